/**
 * `syncline serve` as a real child process receiving SIGTERM while clients push: the request in
 * progress at that moment is answered (not cut), event streams end with a reconnect hint, the
 * process exits 0, and every mutation took effect exactly once — counted per mutation id: each one
 * increments its own counter, so a lost mutation leaves no record and a doubled one a 2.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSyncServer, tokenAuth } from '../../src/server.js';
import { freePort } from '../helpers/postgres-cluster.js';
import { tempDir, wrapServer } from './helpers.js';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');
const BATCH = 50;
const LOOPS = 3;

const increment = (clientId: string, id: number) => ({
  id, name: 'increment', args: { collection: 'products', key: `${clientId}-${id}`, field: 'applied', by: 1 }, createdAt: id,
});
const pushBody = (clientId: string, from: number, count: number): string =>
  JSON.stringify({ v: 1, clientId, mutations: Array.from({ length: count }, (_, i) => increment(clientId, from + i)) });

interface Child {
  child: ChildProcess;
  url: string;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startServe(dbPath: string): Promise<Child> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--db', dbPath, '--port', String(port), '--token', 't=s', '--drain-seconds', '30'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('listening on')) resolve();
    });
    void exit.then(() => reject(new Error(`serve exited before listening: ${output}`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exit };
}

/** Raw socket reader: resolves with everything once the server closes the connection. */
function collect(socket: Socket): { text: () => string; ended: Promise<string>; seen(part: string): Promise<void> } {
  let text = '';
  const waiters: Array<{ part: string; resolve(): void }> = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
    for (const w of waiters.splice(0)) {
      if (text.includes(w.part)) w.resolve();
      else waiters.push(w);
    }
  });
  const ended = new Promise<string>((resolve) => socket.once('close', () => resolve(text)));
  return {
    text: () => text,
    ended,
    seen: (part) => (text.includes(part) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ part, resolve }))),
  };
}

/** Resolve once `condition()` holds (a readiness wait, not a timing assertion; the test timeout bounds it). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('syncline serve on SIGTERM', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('drains the push in progress, ends streams with a reconnect hint, exits 0, loses and doubles nothing', async () => {
    const dbPath = join(dir, 'serve.db');
    const serve = await startServe(dbPath);
    try {
      const auth = { authorization: 'Bearer t', 'content-type': 'application/json' };

      // An event stream, to see how it ends.
      const events = await fetch(`${serve.url}/v1/events`, { headers: { authorization: 'Bearer t' } });
      expect(events.status).toBe(200);
      const eventText = events.text();

      // A push whose headers the server has accepted (it answered 100 Continue) but whose body has not
      // arrived yet: in progress when SIGTERM comes.
      const socket = connect(new URL(serve.url).port as unknown as number, '127.0.0.1');
      const raw = collect(socket);
      const slowBody = pushBody('client-slow-0001', 1, BATCH);
      socket.write(`POST /v1/push HTTP/1.1\r\nhost: x\r\nauthorization: Bearer t\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(slowBody)}\r\nexpect: 100-continue\r\nconnection: close\r\n\r\n`);
      await raw.seen('100 Continue');

      // Clients pushing in a loop until the server is gone; each remembers what was acknowledged.
      const acknowledged = new Map<string, number>();
      const sent = new Map<string, number>();
      let batchesDone = 0;
      let signalled!: () => void;
      const enoughBatches = new Promise<void>((resolve) => (signalled = resolve));
      const loops = Array.from({ length: LOOPS }, async (_, n) => {
        const clientId = `client-loop-000${n}`;
        for (let from = 1; ; from += BATCH) {
          sent.set(clientId, from + BATCH - 1);
          const response = await fetch(`${serve.url}/v1/push`, { method: 'POST', headers: auth, body: pushBody(clientId, from, BATCH) }).catch(() => undefined);
          if (response?.status !== 200) {
            await response?.body?.cancel();
            return;
          }
          const body = (await response.json()) as { outcomes: Array<{ id: number; status: string }> };
          expect(body.outcomes.every((o) => o.status === 'applied')).toBe(true);
          acknowledged.set(clientId, from + BATCH - 1);
          if ((batchesDone += 1) >= LOOPS * 3) signalled();
        }
      });
      await enoughBatches;
      serve.child.kill('SIGTERM');
      // Only once the server is shutting down, the rest of the slow push: it must still be taken and answered.
      await until(() => serve.output().includes('syncline server stopping'));
      socket.write(slowBody);
      const slowAnswer = await raw.ended;
      await Promise.all(loops);
      const exit = await serve.exit;

      expect(exit, serve.output()).toEqual({ code: 0, signal: null });
      expect(serve.output()).toContain('syncline server stopped');
      expect(slowAnswer).toMatch(/HTTP\/1\.1 200 OK/);
      expect(slowAnswer.match(/"status":"applied"/g)).toHaveLength(BATCH);
      acknowledged.set('client-slow-0001', BATCH);
      sent.set('client-slow-0001', BATCH);
      const streamed = await eventText;
      expect(streamed).toContain('event: poke');
      expect(streamed).toMatch(/retry: \d+\nevent: shutdown\n/);

      // Every acknowledged mutation is on disk exactly once; resending everything adds only the rest.
      const check = wrapServer(createSyncServer({ database: { sqlite: dbPath }, auth: tokenAuth({ t: 's' }), collections: { products: { writable: true } } }), tempDir(), dbPath);
      try {
        const counts = async (): Promise<Map<string, unknown>> => {
          const state = new Map<string, unknown>();
          for (let cursor = 0; ;) {
            const page = await check.pull(cursor, 5000, { token: 't', clientId: 'client-check-0001' });
            for (const c of page.changes) state.set(c.key, 'value' in c ? (c.value as { applied?: unknown }).applied : 'deleted');
            cursor = page.cursor;
            if (!page.hasMore) return state;
          }
        };
        const before = await counts();
        for (const [clientId, through] of acknowledged) {
          for (let id = 1; id <= through; id += 1) expect(before.get(`${clientId}-${id}`), `${clientId} #${id}`).toBe(1);
        }
        expect([...before.values()].every((n) => n === 1)).toBe(true);
        for (const [clientId, through] of sent) {
          const response = await check.post('/v1/push', pushBody(clientId, 1, through), 't');
          expect(response.status).toBe(200);
        }
        const after = await counts();
        const expected = [...sent.values()].reduce((a, b) => a + b, 0);
        expect(after.size).toBe(expected);
        expect([...after.values()].every((n) => n === 1)).toBe(true);
      } finally {
        await check.cleanup();
      }
    } finally {
      if (serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill('SIGKILL');
    }
  });
});
