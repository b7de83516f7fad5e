// Failover without a leader lock (Node, old React Native): two "tabs" share one SQLite database and
// a virtual clock. A leader whose push hangs keeps renewing its lease, and the follower — with writes
// waiting — never pushes beside it; once the leader dies (its timers stop: it no longer renews) the
// follower takes over within one lease TTL of the last renewal (the documented bound is 2× the
// lease), not at its next pull interval, and every write reaches the server exactly once.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type SynclineClient } from '../../src/index.js';
import type { Timers } from '../../src/core/seams.js';
import { openSqliteStore } from '../../src/stores/sqlite-store.js';
import type { Transport } from '../../src/transport/transport.js';
import { hitCounter } from '../helpers/hit-counter.js';
import { serverView, startServer, tempDir, type TestServer } from '../helpers/harness.js';
import { settle, VirtualClock } from '../network/virtual-clock.js';

const LEASE_MS = 2_500;

/** Timers of a process that can die (nothing it scheduled runs any more) or stall and resume. */
function processTimers(clock: VirtualClock) {
  let state: 'alive' | 'stalled' | 'dead' = 'alive';
  const held: Array<() => void> = [];
  const timers: Timers = {
    now: () => clock.now(),
    setTimeout: (fn, ms) =>
      clock.setTimeout(() => {
        if (state === 'alive') fn();
        else if (state === 'stalled') held.push(fn);
      }, ms),
    clearTimeout: (handle) => clock.clearTimeout(handle),
  };
  return {
    timers,
    kill: () => void (state = 'dead'),
    stall: () => void (state = 'stalled'),
    resume: () => {
      state = 'alive';
      for (const fn of held.splice(0)) fn();
    },
  };
}

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
const open: SynclineClient[] = [];

beforeEach(() => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db'), mutations: hitCounter });
});
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c.close();
  await server.close();
  dir.remove();
});

/** Real I/O (SQLite, the in-process server) finishing while virtual time stands still. */
async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await check()) return;
    await settle();
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`never happened: ${what}`);
}

/**
 * The leader's transport: its push reaches the server (which applies it) but the answer never comes
 * back — the leader is stuck mid-push holding the lease. `signals` collects each push's abort signal.
 */
function answerLost(inner: Transport, signals: AbortSignal[]): Transport {
  return {
    ...inner,
    stats: () => inner.stats(),
    pull: (request, options) => inner.pull(request, options),
    health: (options) => inner.health(options),
    push: async (request, options) => {
      const signal = options?.signal ?? new AbortController().signal;
      signals.push(signal);
      await inner.push(request, options);
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    },
  };
}

/** The follower's transport: notes the virtual time of each push. */
function timed(inner: Transport, clock: VirtualClock, pushedAt: number[]): Transport {
  return {
    ...inner,
    stats: () => inner.stats(),
    pull: (request, options) => inner.pull(request, options),
    health: (options) => inner.health(options),
    push: (request, options) => {
      pushedAt.push(clock.now());
      return inner.push(request, options);
    },
  };
}

async function twoTabs() {
  const clock = new VirtualClock();
  const leaderProcess = processTimers(clock);
  const leaderPushes: AbortSignal[] = [];
  const followerPushedAt: number[] = [];
  const common = { leaderLock: false, leaseMs: LEASE_MS, pullIntervalMs: 30_000, verify: false, watchdog: false } as const;
  const file = join(dir.path, 'till.db');
  const leader = await createClient({ ...common, store: await openSqliteStore(file), transport: answerLost(server.transport(), leaderPushes), timers: leaderProcess.timers });
  open.push(leader);
  await leader.mutate('hits.add', { id: 'from-leader' });
  await until(() => leaderPushes.length === 1, 'the leader pushes (and hangs waiting for the answer)');
  const follower = await createClient({ ...common, store: await openSqliteStore(file), transport: timed(server.transport(), clock, followerPushedAt), timers: clock });
  open.push(follower);
  for (const id of ['f1', 'f2', 'f3']) await follower.mutate('hits.add', { id });
  return { clock, leaderProcess, leaderPushes, follower, followerPushedAt };
}

async function hits(): Promise<Record<string, unknown>> {
  return Object.fromEntries((await serverView(server.transport(), 'hits')).map((r) => [r.key, r.value['n']]));
}

describe('lease failover (no leader lock)', () => {
  it('a crashed leader is replaced within the bound and the follower’s writes reach the server once', async () => {
    const { clock, leaderProcess, follower, followerPushedAt } = await twoTabs();

    // A live leader renews its lease: the follower, writes waiting, never pushes beside it.
    for (let t = 0; t < 4 * LEASE_MS; t += 100) await clock.advance(100); // well before the 30 s pull interval
    expect(followerPushedAt).toEqual([]);

    leaderProcess.kill();
    const diedAt = clock.now();
    for (let t = 0; t < 40_000 && followerPushedAt.length === 0; t += 100) {
      await clock.advance(100);
      await settle();
    }
    const takeoverMs = (followerPushedAt[0] ?? Number.POSITIVE_INFINITY) - diedAt;
    process.stderr.write(`lease failover: follower pushed ${takeoverMs} ms (virtual) after the leader died; lease ${LEASE_MS} ms\n`);
    expect(takeoverMs).toBeLessThanOrEqual(2 * LEASE_MS);

    await until(async () => (await follower.pendingCount()) === 0, 'the follower drains the shared outbox');
    // The leader's own write was applied by the server before it died (its answer was lost): the
    // follower sent it again and the server answered it as a duplicate.
    expect(await hits()).toEqual({ 'from-leader': 1, f1: 1, f2: 1, f3: 1 });
  });

  it('a leader that stalls past its lease and is taken over stops pushing when it wakes', async () => {
    const { clock, leaderProcess, leaderPushes, followerPushedAt } = await twoTabs();
    leaderProcess.stall(); // a blocked event loop: its renewals do not run
    for (let t = 0; t < 40_000 && followerPushedAt.length === 0; t += 100) await clock.advance(100);
    expect(followerPushedAt.length).toBeGreaterThan(0);
    expect(leaderPushes[0]?.aborted).toBe(false);
    leaderProcess.resume(); // its overdue renewal finds the lease taken and ends its cycle
    await until(() => leaderPushes[0]?.aborted === true, "the leader's push is abandoned");
    expect(String((leaderPushes[0]?.reason as Error).message)).toMatch(/took over the sync lease/);
  });
});
