// A background job survives SIGKILL: scheduled in one process, the process killed, and the app
// started again (its clock later than the job's due time) — the job runs at that start. A run that
// fails (server unreachable) is in the history with its error, and the next start retries it.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRun } from '../../src/index.js';
import { createSyncServer, serveNode, tokenAuth, type SyncServer } from '../../src/server.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { serverView, tempDir } from '../helpers/harness.js';
import { spawnFixture } from '../stores/fixtures/child.js';

const APP = '../../facade/fixtures/job-app.ts';
const MINUTE = 60_000;

let dir: ReturnType<typeof tempDir>;
let server: SyncServer;
let http: Awaited<ReturnType<typeof serveNode>>;

beforeAll(async () => {
  dir = tempDir('syncline-jobs-');
  server = createSyncServer({ database: { sqlite: join(dir.path, 'server.db') }, auth: tokenAuth({ app: 'shop' }), collections: { products: { writable: true } }, mutations: {} });
  http = await serveNode(server, { port: 0 });
});

afterAll(async () => {
  await http.close();
  await server.close();
  dir.remove();
});

/** Runs the app until it prints the line `prefix …`, then kills it with SIGKILL; returns the line's rest. */
async function runUntil(prefix: string, args: string[]): Promise<string> {
  const child = spawnFixture(APP, args);
  try {
    const line = await child.waitForLine((l) => l.startsWith(`${prefix} `));
    return line.slice(prefix.length + 1);
  } finally {
    child.process.kill('SIGKILL');
    await child.exited;
  }
}

describe('background jobs across SIGKILL', () => {
  it('a job scheduled before the kill runs at the next start; a failed run is in the history with its error', async () => {
    const db = join(dir.path, 'app.db');
    const id = await runUntil('scheduled', ['schedule', http.url, db]);

    // Ten minutes "later" (the job's 5-minute period ended while the app was dead), with the server
    // unreachable: the job runs at start and fails.
    const failed = JSON.parse(await runUntil('history', ['start', 'http://127.0.0.1:1', db, String(10 * MINUTE)])) as JobRun[];
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ jobId: id, trigger: 'periodic', outcome: 'failed', attempt: 1, error: { code: 'transport', message: expect.any(String) } });
    expect(failed[0]?.error?.message.length).toBeGreaterThan(10);

    // Killed again; the next start (server reachable) retries it and the write reaches the server.
    const runs = JSON.parse(await runUntil('history', ['start', http.url, db, String(20 * MINUTE)])) as JobRun[];
    expect(runs.map((r) => [r.jobId, r.outcome, r.attempt])).toEqual([
      [id, 'completed', 2],
      [id, 'failed', 1],
    ]);
    expect(runs[1]?.error).toEqual(failed[0]?.error);
    expect(runs[0]?.bytesUp).toBeGreaterThan(0);
    const products = await serverView(createHttpTransport({ url: http.url, token: 'app' }), 'products');
    expect(products.map((p) => p.key)).toEqual(['written-before-the-kill']);
  }, 60_000);
});
