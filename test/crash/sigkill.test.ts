// Crash test: a till process writing receipts through the SQLite store is killed with SIGKILL at
// random moments, restarted several times, then drains. Every receipt whose create() returned must
// be on the server exactly once, in order, with gap-free document numbers.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncServer, serveNode, tokenAuth } from '../../src/server.js';
import { receiptHandlers } from '../../src/receipts.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { serverView, tempDir } from '../helpers/harness.js';

const WRITER = join(import.meta.dirname, 'fixtures', 'pos-writer.ts');
const TOTAL = 1000;
const KILLS = 6;

const dir = tempDir('syncline-crash-');
let http: Awaited<ReturnType<typeof serveNode>>;
let server: ReturnType<typeof createSyncServer>;

beforeAll(async () => {
  server = createSyncServer({ database: { sqlite: join(dir.path, 'server.db') }, auth: tokenAuth({ till: 'shop' }), mutations: receiptHandlers });
  http = await serveNode(server, { port: 0 });
});
afterAll(async () => {
  await http.close();
  await server.close();
  dir.remove();
});

function runWriter(mode: 'write' | 'drain', killAfterMs?: number): Promise<{ acknowledged: number[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, mode, http.url, join(dir.path, 'till.db'), String(TOTAL)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acknowledged: number[] = [];
    let buffer = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('ok ')) {
          acknowledged.push(Number(line.slice(3)));
          // Start the kill clock once the child is writing, so kills land mid-work, not mid-startup.
          if (killAfterMs !== undefined && timer === undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve({ acknowledged, killed: true });
      else if (code === 0) resolve({ acknowledged, killed: false });
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

describe('SIGKILL at random moments', () => {
  it('loses nothing that was acknowledged and duplicates nothing', async () => {
    const acknowledged = new Set<number>();
    let kills = 0;
    for (let i = 0; i < KILLS; i++) {
      const run = await runWriter('write', 50 + Math.floor(Math.random() * 400));
      run.acknowledged.forEach((n) => acknowledged.add(n));
      if (run.killed) kills += 1;
    }
    await runWriter('write'); // finish writing
    await runWriter('drain');
    expect(kills).toBeGreaterThanOrEqual(3);

    const docs = await serverView(createHttpTransport({ url: http.url, token: 'till' }), 'receipts');
    const ids = docs.map((d) => Number(d.key.slice(2)));
    // Every acknowledged receipt is there; ids are exactly 1..TOTAL, each once.
    for (const n of acknowledged) expect(ids).toContain(n);
    expect(ids).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    // Per-client order: document numbers follow creation order and have no gaps.
    const numbers = docs.map((d) => d.value['documentNumber']);
    expect(numbers).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
  }, 180_000);
});
