import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServeArgs, runServe } from '../../src/cli/serve.js';
import { freePort } from '../helpers/postgres-cluster.js';
import { tempDir } from './helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('syncline serve', () => {
  it('parses flags with defaults and repeatable tokens', () => {
    expect(parseServeArgs(['--insecure-demo'])).toMatchObject({ port: 8787, host: '127.0.0.1', auth: { kind: 'tokens', tokens: { demo: 'demo' }, insecureDemo: true } });
    expect(parseServeArgs(['--token', 'a=shop-1', '--token', 'b=shop-2']).auth).toEqual({ kind: 'tokens', tokens: { a: 'shop-1', b: 'shop-2' }, insecureDemo: false });
    expect(() => parseServeArgs(['--token', 'nope'])).toThrow(/TOKEN=SCOPE/);
    expect(parseServeArgs(['--insecure-demo', '--retain-tombstones-days', '30']).retainTombstonesMs).toBe(30 * 86_400_000);
    expect(parseServeArgs(['--insecure-demo']).retainTombstonesMs).toBeUndefined();
    expect(() => parseServeArgs(['--insecure-demo', '--retain-tombstones-days', '0'])).toThrow(/positive number of days/);
    expect(() => parseServeArgs(['--insecure-demo', '--retain-tombstones-days', 'soon'])).toThrow(/positive number of days/);
    expect(() => parseServeArgs(['--insecure-demo', '--port', 'x'])).toThrow(/--port/);
    expect(parseServeArgs(['--insecure-demo']).durability).toBe('durable');
    expect(parseServeArgs(['--insecure-demo', '--durability', 'relaxed']).durability).toBe('relaxed');
    expect(() => parseServeArgs(['--insecure-demo', '--durability', 'fast'])).toThrow(/--durability/);
  });

  it('serves receipts on a SQLite file (creating its directory) until aborted', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const lines: string[] = [];
    const controller = new AbortController();
    let announce: (url: string) => void = () => {};
    const listening = new Promise<string>((resolve) => (announce = resolve));
    const out = {
      log(line: string) {
        lines.push(line);
        const url = /listening on (\S+)/.exec(line)?.[1];
        if (url !== undefined) announce(url);
      },
    };
    const running = runServe(['--port', '0', '--db', join(dir, 'nested', 'db.sqlite'), '--token', 'secret=shop'], out, controller.signal);
    const url = await listening;
    expect(lines.find((line) => line.includes('listening on'))).toContain('durability: durable');
    const push = await fetch(`${url}/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer secret' },
      body: JSON.stringify({
        v: 1,
        clientId: 'client-cli-0001',
        mutations: [{ id: 1, name: 'receipts.create', createdAt: 1, args: { id: 'r-1', issuedAt: 1, items: [{ description: 'x', quantity: '1', unitPrice: '1.00', vat: '22' }] } }],
      }),
    });
    expect(await push.json()).toMatchObject({ outcomes: [{ status: 'applied', result: { documentNumber: 1 } }] });
    controller.abort();
    await running;
    expect(lines.at(-1)).toBe('syncline server stopped');
  });

  it('refuses to start on a database path that cannot be a file', async () => {
    const dir = tempDir();
    dirs.push(dir);
    writeFileSync(join(dir, 'file'), 'x');
    const lines: string[] = [];
    const running = runServe(['--port', '0', '--db', join(dir, 'file', 'x.db'), '--insecure-demo'], { log: (line) => lines.push(line) }, new AbortController().signal);
    await expect(running).rejects.toThrow(/Fix the database configuration and restart/);
    expect(lines.some((line) => line.includes('listening on'))).toBe(false);
  });

  it('starts while its PostgreSQL is unreachable, answering 503 + Retry-After', async () => {
    // Nothing listens on this port, so no PostgreSQL installation is needed.
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    const controller = new AbortController();
    let announce: (url: string) => void = () => {};
    const listening = new Promise<string>((resolve) => (announce = resolve));
    const lines: string[] = [];
    const out = {
      log(line: string) {
        lines.push(line);
        const found = /listening on (\S+)/.exec(line)?.[1];
        if (found !== undefined) announce(found);
      },
    };
    const running = runServe(['--port', '0', '--db', url, '--token', 'secret=shop'], out, controller.signal);
    try {
      const base = await listening;
      expect(lines.some((line) => line.includes('database unreachable'))).toBe(true);
      const pull = await fetch(`${base}/v1/pull`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer secret' },
        body: JSON.stringify({ v: 1, clientId: 'client-cli-0001', cursor: 0, limit: 10 }),
      });
      expect(pull.status).toBe(503);
      expect(pull.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(await pull.json()).toMatchObject({ error: { code: 'database-unavailable', retryable: true } });
    } finally {
      controller.abort();
      await running;
    }
  });
});
