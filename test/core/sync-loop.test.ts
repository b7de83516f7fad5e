// The background loop's scheduling rules, driven by hand: a controllable network signal and cycles
// that finish when the test says so.
import { afterEach, expect, it } from 'vitest';
import { ServerError, TimeoutError, type SynclineError } from '../../src/core/errors.js';
import type { SyncTrigger } from '../../src/core/events.js';
import type { NetworkStatus } from '../../src/core/seams.js';
import { systemTimers } from '../../src/core/seams.js';
import { defaultRetryPolicy } from '../../src/core/retry-policy.js';
import { SyncLoop } from '../../src/core/sync-loop.js';

class HandNetwork implements NetworkStatus {
  online = true;
  readonly #listeners = new Set<(online: boolean) => void>();
  isOnline(): boolean {
    return this.online;
  }
  subscribe(listener: (online: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  set(online: boolean): void {
    this.online = online;
    for (const l of this.#listeners) l(online);
  }
}

interface PendingCycle {
  trigger: SyncTrigger;
  succeed(): void;
  fail(error: SynclineError): void;
}

function harness(options: { retryMs?: number; random?: () => number } = {}) {
  const network = new HandNetwork();
  const cycles: PendingCycle[] = [];
  const failures: Array<{ code: string; retryInMs: number | undefined }> = [];
  const loop = new SyncLoop({
    timers: systemTimers,
    network,
    retry: { ...defaultRetryPolicy, baseDelayMs: options.retryMs ?? 60_000, maxDelayMs: options.retryMs ?? 60_000 },
    random: options.random ?? (() => 1),
    intervalMs: 0,
    runCycle: (trigger, signal) =>
      new Promise<void>((resolve, reject) => {
        signal.addEventListener('abort', () => reject(new Error('closed')), { once: true });
        cycles.push({ trigger, succeed: () => resolve(), fail: (e) => reject(e) });
      }),
    onFailure: (error, retryInMs) => failures.push({ code: error.code, retryInMs }),
    onOnlineChange: () => undefined,
  });
  return { network, cycles, failures, loop };
}

const loops: SyncLoop[] = [];
afterEach(async () => {
  for (const loop of loops.splice(0)) {
    await loop.close();
  }
});

function permanent(): ServerError {
  return new ServerError(409, 'mutation-gap', 'test: a permanent failure');
}

async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

it('runs one more cycle when kicked while a cycle runs', async () => {
  const h = harness();
  loops.push(h.loop);
  h.loop.kick('start');
  h.loop.kick('local-write');
  h.loop.kick('local-write');
  h.cycles[0]!.succeed();
  await turns();
  expect(h.cycles.map((c) => c.trigger)).toEqual(['start', 'local-write']);
});

it('an online signal during a cycle that then fails permanently is not lost', async () => {
  const h = harness();
  loops.push(h.loop);
  h.loop.kick('start');
  h.network.set(false);
  h.network.set(true); // the link came back while the doomed request was still out
  h.cycles[0]!.fail(permanent());
  await turns();
  expect(h.cycles.map((c) => c.trigger)).toEqual(['start', 'online']);
});

it('an online signal during a cycle that then fails retryably runs at once instead of waiting out the backoff', async () => {
  const h = harness({ retryMs: 60_000 });
  loops.push(h.loop);
  h.loop.kick('start');
  h.network.set(false);
  h.network.set(true);
  h.cycles[0]!.fail(new TimeoutError('test: the request timed out'));
  await turns();
  expect(h.cycles.map((c) => c.trigger)).toEqual(['start', 'online']);
});

it('a routine kick during a failing cycle waits for the backoff', async () => {
  const h = harness({ retryMs: 60_000 });
  loops.push(h.loop);
  h.loop.kick('start');
  h.loop.kick('local-write');
  h.cycles[0]!.fail(new TimeoutError('test: the request timed out'));
  await turns();
  expect(h.cycles.map((c) => c.trigger)).toEqual(['start']);
  expect(h.failures).toEqual([{ code: 'timeout', retryInMs: 60_000 }]);
});

it('a new write during a permanently failed cycle gets its own attempt', async () => {
  const h = harness();
  loops.push(h.loop);
  h.loop.kick('start');
  h.loop.kick('local-write');
  h.cycles[0]!.fail(permanent());
  await turns();
  expect(h.cycles.map((c) => c.trigger)).toEqual(['start', 'local-write']);
  h.cycles[1]!.fail(permanent());
  await turns();
  expect(h.cycles).toHaveLength(2); // and then it waits for the next kick
});

it('does not start while offline, and starts on the online signal', async () => {
  const h = harness();
  loops.push(h.loop);
  h.network.online = false;
  h.loop.kick('local-write');
  await turns();
  expect(h.cycles).toHaveLength(0);
  h.network.set(true);
  expect(h.cycles.map((c) => c.trigger)).toEqual(['online']);
});

it('retries a retryable failure when full jitter draws a zero delay', async () => {
  // Found by the offline-drain bench: a jittered delay of 0 ms scheduled no timer, yet the loop
  // marked itself backing off, so it dropped new writes' kicks too and waited for the watchdog (120 s).
  const h = harness({ retryMs: 20, random: () => 0 });
  loops.push(h.loop);
  h.loop.kick('start');
  h.cycles[0]!.fail(new TimeoutError('test: the request timed out'));
  await turns();
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(h.cycles.map((c) => c.trigger)).toEqual(['start', 'retry']);
  expect(h.failures).toEqual([{ code: 'timeout', retryInMs: 1 }]);
});
