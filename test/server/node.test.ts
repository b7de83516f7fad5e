import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest, openSqliteDatabase, serveNode } from '../../src/server.js';
import type { NodeServerHandle } from '../../src/server.js';
import { CLIENT, putNote, startServer, tempDir, writableNotes } from './helpers.js';
import type { TestServer } from './helpers.js';

let t: TestServer | undefined;
let http: NodeServerHandle | undefined;
afterEach(async () => {
  await http?.close();
  await t?.cleanup();
  http = undefined;
  t = undefined;
});

async function postJson(url: string, body: unknown, token = 'token-a'): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
}

/** Stream a chunked body (no Content-Length) until the server answers; resolve with its status. */
function sendChunkedUntilAnswered(url: string, totalBytes: number): Promise<{ status: number; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer token-a' } });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, sent });
      req.destroy();
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    const writeMore = (): void => {
      while (sent < totalBytes && !req.destroyed) {
        sent += chunk.byteLength;
        if (!req.write(chunk)) {
          req.once('drain', writeMore);
          return;
        }
      }
      if (!req.destroyed) req.end();
    };
    writeMore();
  });
}

describe('serveNode (real HTTP on loopback)', () => {
  it('pushes and pulls over HTTP', async () => {
    t = startServer({ collections: writableNotes });
    http = await serveNode(t.server, { port: 0 });
    expect(http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const push = await postJson(`${http.url}/v1/push`, { v: 1, clientId: CLIENT, mutations: [putNote(1, 'a')] });
    expect(push.status).toBe(200);
    expect(push.headers.get('content-type')).toContain('application/json');
    const pull = await postJson(`${http.url}/v1/pull`, { v: 1, clientId: CLIENT, cursor: 0, limit: 10 });
    expect(await pull.json()).toMatchObject({ cursor: 1, lastMutationId: 1, changes: [{ key: 'a', value: { text: 'note 1' } }] });
  });

  it('answers an error escaping the server as a retryable 500, not as the client\'s malformed request', async () => {
    t = startServer({ collections: writableNotes });
    const broken = { ...t.server, fetch: async () => { throw new Error('a bug in a route'); } };
    http = await serveNode(broken, { port: 0, websocket: false });
    const response = await postJson(`${http.url}/v1/pull`, {});
    expect(response.status).toBe(500);
    expect((await response.json()).error).toMatchObject({ code: 'internal', retryable: true });
  });

  it('cuts off an oversized chunked body with 413', async () => {
    t = startServer({ limits: { maxBodyBytes: 32 * 1024 } });
    http = await serveNode(t.server, { port: 0 });
    const { status, sent } = await sendChunkedUntilAnswered(`${http.url}/v1/push`, 50 * 1024 * 1024);
    expect(status).toBe(413);
    expect(sent).toBeLessThan(50 * 1024 * 1024);
  });

  it('close() ends open connections so the process can exit on its own', async () => {
    const dir = tempDir();
    const fixture = join(import.meta.dirname, 'fixtures', 'serve-and-close.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, join(dir, 'child.db')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    // Without closing the stalled connection, Node would keep the process alive ≥ 60 s (headersTimeout).
    const code = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('hung');
      }, 30_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c ?? -1);
      });
    });
    rmSync(dir, { recursive: true, force: true });
    expect(code, output).toBe(0);
    expect(output).toContain('closed');
  });
});

describe('migrations', () => {
  it('are idempotent across restarts on the same file, keeping data and client state', async () => {
    const dir = tempDir();
    t = startServer({ collections: writableNotes }, dir);
    await t.pushOk([putNote(1, 'a')]);
    await t.server.close();
    // A second server on the same file migrates again (a no-op) and carries on from the stored state.
    t = startServer({ collections: writableNotes }, dir);
    const again = await t.pushOk([putNote(1, 'a'), putNote(2, 'b')]);
    expect(again.outcomes.map((o) => [o.id, o.duplicate ?? false])).toEqual([[1, true], [2, false]]);
    const db = openSqliteDatabase(t.dbPath);
    try {
      expect(await migrateToLatest(db)).toEqual([]);
      const rows = await db.selectFrom('scopes').selectAll().execute();
      expect(rows).toEqual([{ scope: 'scope-a', version: 2, purged_through: 0 }]);
    } finally {
      await db.destroy();
    }
  });
});
