// Kill-and-resume: an initial pull of 100 000 receipts into a SQLite client is SIGKILLed at random
// pages several times, restarted on the same file each time, then allowed to finish. It must end
// with exactly the server's receipts (digest verified) having downloaded at most 1.15 × the bytes of
// one uninterrupted pull, because every restart resumes from the last committed page.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncCycleResult } from '../../src/index.js';
import { createSyncServer, serveNode, tokenAuth, type SyncServer } from '../../src/server.js';
import { createPrng } from '../../src/testing/prng.js';
import { tempDir } from '../helpers/harness.js';
import { bytesOf, countingPulls, type PullRecord } from './fixtures/pull-counter.js';
import { seedReceiptDatabase } from './fixtures/seed-receipts.js';

const CLIENT = join(import.meta.dirname, 'fixtures', 'resume-client.ts');
const TOTAL = 100_000;
const PAGE_SIZE = 1000;
const KILLS = 5;
const SEED = 20_250_301;
const TOKEN = 'till';

interface ClientRun {
  label: string;
  killed: boolean;
  /** Pull pages the run reported committed. */
  pages: number;
  final?: { receipts: number; result: SyncCycleResult };
}

const dir = tempDir('syncline-resume-');
const pulls: PullRecord[] = [];
let server: SyncServer;
let http: Awaited<ReturnType<typeof serveNode>>;

beforeAll(async () => {
  const db = join(dir.path, 'server.db');
  await seedReceiptDatabase(db, 'shop', TOTAL);
  server = createSyncServer({ database: { sqlite: db }, auth: tokenAuth({ [TOKEN]: 'shop' }) });
  http = await serveNode(countingPulls(server, pulls), { port: 0 });
}, 60_000);

afterAll(async () => {
  await http?.close();
  await server?.close();
  dir.remove();
});

/**
 * Run the client child on `file` as `label`. With a kill plan, SIGKILL it `delayMs` after it reports
 * committed page `page`: a zero delay lands between pages, a few milliseconds land mid-request or
 * mid-commit (that page's transaction then rolls back).
 */
function runClient(label: string, file: string, kill?: { page: number; delayMs: number }): Promise<ClientRun> {
  const run: ClientRun = { label, killed: false, pages: 0 };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLIENT, http.url, file, TOKEN, String(PAGE_SIZE), label], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('page ')) {
          run.pages += 1;
          if (run.pages === kill?.page) setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
        } else if (line.startsWith('result ')) {
          run.final = JSON.parse(line.slice('result '.length)) as NonNullable<ClientRun['final']>;
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ ...run, killed: true });
      else if (code === 0) resolve(run);
      else reject(new Error(`resume client exited with ${code}: ${stderr}`));
    });
  });
}

const pullsOf = (runs: ClientRun[]): PullRecord[] => pulls.filter((p) => runs.some((r) => r.label === p.run));

describe('an initial pull of 100k receipts, SIGKILLed at random pages', () => {
  it('resumes from the last committed page and downloads at most 1.15 × one uninterrupted pull', async () => {
    const baseline = await runClient('uninterrupted', join(dir.path, 'uninterrupted.db'));
    const baselinePulls = pullsOf([baseline]);
    expect(baseline.final?.receipts).toBe(TOTAL);
    expect(baseline.final?.result.verify.status).toBe('verified');

    const prng = createPrng(SEED);
    const file = join(dir.path, 'resumed.db');
    const killedRuns: ClientRun[] = [];
    for (let i = 0; i < KILLS; i += 1) {
      killedRuns.push(await runClient(`killed-${i}`, file, { page: prng.int(1, 15), delayMs: prng.pick([0, 0, 2, 5, 15]) }));
    }
    const last = await runClient('final', file);
    const resumedPulls = pullsOf([...killedRuns, last]);

    // Every planned kill landed mid-pull, after at least one committed page.
    expect(killedRuns.map((r) => r.killed)).toEqual(Array(KILLS).fill(true));
    expect(killedRuns.every((r) => r.pages >= 1)).toBe(true);
    // Resumption really happened: only the very first run asked from cursor 0, and each restart
    // began at a cursor beyond where the previous run started.
    const firstCursors = [...killedRuns, last].map((r) => pullsOf([r])[0]?.cursor ?? -1);
    expect(resumedPulls.filter((p) => p.cursor === 0)).toHaveLength(1);
    expect(firstCursors[0]).toBe(0);
    for (let i = 1; i < firstCursors.length; i += 1) expect(firstCursors[i]).toBeGreaterThan(firstCursors[i - 1] ?? 0);

    // The finished client holds exactly what the server holds.
    expect(last.killed).toBe(false);
    expect(last.final?.receipts).toBe(TOTAL);
    expect(last.final?.result.outcome).toBe('completed');
    expect(last.final?.result.verify.status).toBe('verified');

    const overhead = bytesOf(resumedPulls) / bytesOf(baselinePulls);
    expect(overhead, `resumed runs pulled ${bytesOf(resumedPulls)} bytes, one uninterrupted pull ${bytesOf(baselinePulls)}`).toBeLessThanOrEqual(1.15);
  }, 120_000);
});
