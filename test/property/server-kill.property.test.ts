// Property: group commit cut at random points survives the server being SIGKILLed mid-push. A real
// server child process (SQLite file, random maxSliceMutations / maxSliceMs per run) is killed at
// random moments while two clients push `log.append` batches, restarted on the same file, and at
// the end every mutation the clients made is applied exactly once, in per-client order.
// KILL_FAULT=reapply-resends|out-of-order runs it against the broken server (it must fail then).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { SynclineClient } from '../../src/index.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import type { Transport } from '../../src/transport/transport.js';
import { memoryClient, serverView, tempDir } from '../helpers/harness.js';

const SERVER = join(import.meta.dirname, 'fixtures', 'log-server.ts');
const RUNS = Number(process.env['KILL_RUNS'] ?? 2);
const SEED = Number(process.env['KILL_SEED'] ?? 20261202);
const FAULT = process.env['KILL_FAULT'] ?? '';
const CLIENTS = 2;
const debug = (...a: unknown[]): void => {
  if (process.env['KILL_DEBUG']) console.error(...a);
};

const dir = tempDir('syncline-kill-');
afterAll(() => dir.remove());

interface RunningServer {
  url: string;
  child: ChildProcess;
  exited: Promise<void>;
}

function startServer(path: string, slice: { maxSliceMutations: number; maxSliceMs: number }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SERVER, path, String(slice.maxSliceMutations), String(slice.maxSliceMs), FAULT], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    let stdout = '';
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const url = /listening (\S+)\n/.exec(stdout)?.[1];
      if (url !== undefined) resolve({ url, child, exited });
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)));
  });
}

async function kill(server: RunningServer): Promise<void> {
  server.child.kill('SIGKILL');
  await server.exited;
}

/** A transport to whichever server process is current; while none runs, requests fail like a refused connection. */
function switchableTransport(current: () => string | undefined): Transport {
  return createHttpTransport({
    url: 'http://syncline.test',
    token: 't1',
    fetch: async (request) => {
      const url = current();
      if (url === undefined) throw new TypeError('fetch failed: server down');
      const target = new URL(request.url);
      const body = request.method === 'GET' ? undefined : await request.arrayBuffer();
      return fetch(url + target.pathname + target.search, { method: request.method, headers: request.headers, ...(body === undefined ? {} : { body }), signal: request.signal });
    },
  });
}

/** Appends in bursts and pushes them, until stopped; returns how many it appended. */
async function appendLoop(client: SynclineClient, burst: number, stop: { done: boolean }): Promise<number> {
  let seq = 0;
  while (!stop.done) {
    // A new burst only once the last one is pushed, so a down server does not pile up thousands.
    if ((await client.pendingCount()) === 0) for (let i = 0; i < burst; i++) await client.mutate('log.append', { seq: ++seq });
    await client.sync({ direction: 'push' }).result.catch(() => undefined);
    // A failed push can settle without touching the event loop; let the kill timer run.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return seq;
}

const plan = fc.record({
  maxSliceMutations: fc.integer({ min: 1, max: 8 }),
  maxSliceMs: fc.double({ min: 0.05, max: 5, noNaN: true }),
  burst: fc.integer({ min: 3, max: 12 }),
  killAfterMs: fc.array(fc.integer({ min: 20, max: 250 }), { minLength: 2, maxLength: 2 }),
});

describe('group commit under SIGKILL (property, real server process)', () => {
  let runNo = 0;
  it(`every mutation applies exactly once, in per-client order, for ${RUNS} runs (seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(plan, async ({ maxSliceMutations, maxSliceMs, burst, killAfterMs }) => {
        const path = join(dir.path, `server-${++runNo}.db`);
        const slice = { maxSliceMutations, maxSliceMs };
        let server: RunningServer | undefined = await startServer(path, slice);
        const transport = switchableTransport(() => server?.url);
        const clients = await Promise.all(Array.from({ length: CLIENTS }, () => memoryClient(transport)));
        try {
          const stop = { done: false };
          const loops = clients.map((client) => appendLoop(client, burst, stop));
          debug('started', slice, burst, killAfterMs);
          for (const delay of killAfterMs) {
            await new Promise((resolve) => setTimeout(resolve, delay));
            const victim = server;
            server = undefined;
            if (victim !== undefined) await kill(victim);
            server = await startServer(path, slice);
            debug('restarted');
          }
          stop.done = true;
          const appended = await Promise.all(loops);
          debug('appended', appended);
          for (const client of clients) {
            for (let i = 0; i < 10 && (await client.pendingCount()) > 0; i++) await client.sync().result.catch(() => undefined);
            debug('pending', await client.pendingCount());
            expect(await client.pendingCount()).toBe(0);
          }
          const log = await serverView(transport, 'log');
          clients.forEach((client, i) => {
            const seqs = log.filter((r) => r.value['clientId'] === client.clientId).map((r) => r.value['seq']);
            expect(seqs, `client ${i}: each append once, in order`).toEqual(Array.from({ length: appended[i] ?? 0 }, (_, n) => n + 1));
          });
        } finally {
          await Promise.all(clients.map((client) => client.close()));
          if (server !== undefined) await kill(server);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  }, 240_000);
});
