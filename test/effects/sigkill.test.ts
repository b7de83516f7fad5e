// Effects survive SIGKILL: a server child process delivering effects to a real HTTP receiver is
// killed right after the receiver performed an effect (before the server could mark it delivered)
// and restarted, several times. Every effect of a committed mutation is performed, and — the
// receiver deduplicating by Idempotency-Key, as the external API would — performed exactly once,
// although some were delivered more than once.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { tempDir } from '../helpers/harness.js';
import { eventually } from '../server-pg/harness.js';
import { startReceiver } from './receiver.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'effect-server.ts');
const TOTAL = 200;
const KILL_AT = [20, 70, 130];

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('delivers every committed effect after SIGKILLs during delivery; the receiver performs each exactly once', async () => {
  const dir = tempDir('syncline-effects-kill-');
  cleanups.push(() => dir.remove());
  let child: ChildProcess | undefined;
  let killed = 0;
  let pushed = false;
  const receiver = await startReceiver(async () => {
    // Slow enough that deliveries are in flight when the kill lands.
    await new Promise((r) => setTimeout(r, 5));
    return 200;
  });
  cleanups.push(() => receiver.close());
  const respond = receiver.respond;
  receiver.respond = async (request, attempt) => {
    const answer = await respond(request, attempt);
    // Answer (the receiver has performed it), then kill the server before it can mark it delivered.
    if (pushed && killed < KILL_AT.length && receiver.requests.length >= (KILL_AT[killed] as number)) {
      killed += 1;
      setImmediate(() => child?.kill('SIGKILL'));
    }
    return answer;
  };

  const dbPath = join(dir.path, 'server.db');
  const exits: Array<NodeJS.Signals | number | null> = [];
  const startChild = async (): Promise<string> => {
    const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dbPath, receiver.url], { stdio: ['ignore', 'pipe', 'inherit'] });
    child = proc;
    proc.on('exit', (code, signal) => exits.push(signal ?? code));
    return new Promise((resolve, reject) => {
      let out = '';
      proc.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const url = /URL (\S+)/.exec(out)?.[1];
        if (url !== undefined) resolve(url);
      });
      proc.on('exit', () => reject(new Error('server child exited before it listened')));
    });
  };
  cleanups.push(() => void child?.kill('SIGKILL'));

  const url = await startChild();
  const effectIds: string[] = [];
  for (let from = 1; from <= TOTAL; from += 50) {
    const mutations = Array.from({ length: 50 }, (_, i) => ({ id: from + i, name: 'sell', args: { n: from + i, key: `till-${(from + i) % 7}` }, createdAt: Date.now() }));
    const res = await fetch(`${url}/v1/push`, { method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: JSON.stringify({ v: 1, clientId: 'till-0001', mutations }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { outcomes: Array<{ status: string; result?: { effectId: string } }> };
    for (const o of body.outcomes) effectIds.push(o.result?.effectId as string);
  }
  pushed = true;

  // Restart after each kill until every effect is performed.
  while (receiver.performed.size < TOTAL) {
    const exited = exits.length;
    await eventually('a kill or the last delivery', () => exits.length > exited || receiver.performed.size === TOTAL, 60_000);
    if (exits.length > exited) await startChild();
  }
  expect(killed).toBe(KILL_AT.length);
  expect(exits.filter((e) => e === 'SIGKILL')).toHaveLength(KILL_AT.length);
  expect(new Set(effectIds).size).toBe(TOTAL);
  expect([...receiver.performed.keys()].sort()).toEqual([...effectIds].sort());
  // Some effects were redelivered (the kill came between "performed" and "marked delivered")...
  const redelivered = [...receiver.attempts.values()].filter((n) => n > 1).length;
  expect(redelivered).toBeGreaterThan(0);
  // ...yet each was performed once, in order per key.
  expect([...receiver.performed.values()].every((n) => n === 1)).toBe(true);
  const byKey = new Map<string, number[]>();
  for (const id of receiver.order) {
    const n = effectIds.indexOf(id) + 1;
    const list = byKey.get(`till-${n % 7}`) ?? [];
    list.push(n);
    byKey.set(`till-${n % 7}`, list);
  }
  for (const list of byKey.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
}, 120_000);
