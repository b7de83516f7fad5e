/** `syncline serve --db postgres://...`: the URL picks PostgreSQL; its password never reaches the log. */
import { isAbsolute } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseServeArgs, runServe } from '../../src/cli/serve.js';
import { describeDatabaseLocation } from '../../src/server/database-url.js';
import { describePostgres } from '../helpers/postgres.js';

describe('--db selects the backend', () => {
  it('takes postgres:// and postgresql:// URLs as PostgreSQL, anything else as a SQLite path', () => {
    expect(parseServeArgs(['--insecure-demo', '--db', 'postgres://u:pw@db.internal:5432/sync']).database).toEqual({ postgres: 'postgres://u:pw@db.internal:5432/sync' });
    expect(parseServeArgs(['--insecure-demo', '--db', 'PostgreSQL://db/sync']).database).toEqual({ postgres: 'PostgreSQL://db/sync' });
    const sqlite = parseServeArgs(['--insecure-demo', '--db', './data/x.db']).database;
    expect('sqlite' in sqlite && isAbsolute(sqlite.sqlite)).toBe(true);
    expect(parseServeArgs(['--insecure-demo', '--db', ':memory:']).database).toEqual({ sqlite: ':memory:' });
  });

  it('hides the password when describing a location', () => {
    expect(describeDatabaseLocation({ postgres: 'postgres://u:hunter2@db:5432/sync' })).toBe('postgres://u:***@db:5432/sync');
  });
});

describePostgres('syncline serve on PostgreSQL', (pg) => {
  it('serves receipts from a PostgreSQL database until aborted', async () => {
    const url = new URL(await pg.createDatabase());
    // Trust authentication ignores the password; it is here to check the log hides it.
    url.password = 'not-logged';
    const lines: string[] = [];
    const controller = new AbortController();
    let announce: (url: string) => void = () => {};
    const listening = new Promise<string>((resolve) => (announce = resolve));
    const out = {
      log(line: string) {
        lines.push(line);
        const found = /listening on (\S+)/.exec(line)?.[1];
        if (found !== undefined) announce(found);
      },
    };
    const running = runServe(['--port', '0', '--db', url.toString(), '--token', 'secret=shop'], out, controller.signal);
    const base = await listening;
    const push = await fetch(`${base}/v1/push`, {
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
    expect(lines.some((line) => line.includes('postgres://postgres:***@127.0.0.1'))).toBe(true);
    expect(lines.join('\n')).not.toContain('not-logged');
    expect(lines.at(-1)).toBe('syncline server stopped');
  });
});
