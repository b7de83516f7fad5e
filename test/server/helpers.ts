/**
 * Test helpers: a sync server on a SQLite file in a temp dir (or a fresh PostgreSQL database), driven
 * through `server.fetch`. `describeEachDialect` runs one suite over both backends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../src/core/seams.js';
import type { JsonValue } from '../../src/protocol/json.js';
import type { Mutation, PullResponse, PushResponse } from '../../src/protocol/wire.js';
import { describe } from 'vitest';
import { createSyncServer, tokenAuth } from '../../src/server.js';
import type { SyncServer, SyncServerOptions } from '../../src/server.js';
import { describePostgres } from '../helpers/postgres.js';
import type { PostgresHandle } from '../helpers/postgres.js';

export const TOKENS = { 'token-a': 'scope-a', 'token-b': 'scope-b' };
export const CLIENT = 'client-aaaa-0001';

export interface TestServer {
  server: SyncServer;
  dir: string;
  /** The SQLite file path, or the PostgreSQL database URL. */
  dbPath: string;
  post(path: string, body: unknown, token?: string): Promise<Response>;
  push(mutations: Mutation[], options?: { clientId?: string; token?: string }): Promise<Response>;
  pushOk(mutations: Mutation[], options?: { clientId?: string; token?: string }): Promise<PushResponse>;
  pull(cursor: number, limit?: number, options?: { clientId?: string; token?: string }): Promise<PullResponse>;
  cleanup(): Promise<void>;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'syncline-server-'));
}

export function startServer(options: Partial<SyncServerOptions> = {}, dir = tempDir()): TestServer {
  const dbPath = join(dir, 'server.db');
  const server = createSyncServer({ database: { sqlite: dbPath }, auth: tokenAuth(TOKENS), ...options });
  return wrapServer(server, dir, dbPath);
}

/** A server on a new, empty PostgreSQL database of the suite's cluster. */
export async function startPostgresServer(pg: PostgresHandle, options: Partial<SyncServerOptions> = {}): Promise<TestServer> {
  const url = await pg.createDatabase();
  const server = createSyncServer({ database: { postgres: url }, auth: tokenAuth(TOKENS), ...options });
  return wrapServer(server, tempDir(), url);
}

export type StartServer = (options?: Partial<SyncServerOptions>) => Promise<TestServer>;

/** Define the suite once per backend: `[sqlite]` always, `[postgres]` when available (else a visible skip). */
export function describeEachDialect(title: string, body: (start: StartServer) => void): void {
  describe(`${title} [sqlite]`, () => body(async (options) => startServer(options)));
  describePostgres(`${title} [postgres]`, (pg) => body((options) => startPostgresServer(pg, options)));
}

/** The request helpers around any server; `cleanup` closes it and removes `dir`. */
export function wrapServer(server: SyncServer, dir: string, dbPath: string): TestServer {
  const post = (path: string, body: unknown, token = 'token-a'): Promise<Response> =>
    server.fetch(
      new Request(`http://test${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
  const push: TestServer['push'] = (mutations, o = {}) =>
    post('/v1/push', { v: 1, clientId: o.clientId ?? CLIENT, mutations }, o.token);
  return {
    server,
    dir,
    dbPath,
    post,
    push,
    async pushOk(mutations, o) {
      const response = await push(mutations, o);
      if (response.status !== 200) throw new Error(`push failed ${response.status}: ${await response.text()}`);
      return (await response.json()) as PushResponse;
    },
    async pull(cursor, limit = 100, o = {}) {
      const response = await post('/v1/pull', { v: 1, clientId: o.clientId ?? CLIENT, cursor, limit }, o.token);
      if (response.status !== 200) throw new Error(`pull failed ${response.status}: ${await response.text()}`);
      return (await response.json()) as PullResponse;
    },
    async cleanup() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function mutation(id: number, name: string, args: JsonValue): Mutation {
  return { id, name, args, createdAt: 1_700_000_000_000 + id };
}

export function putNote(id: number, key: string, value: Record<string, JsonValue> = { text: `note ${id}` }): Mutation {
  return mutation(id, 'put', { collection: 'notes', key, value, baseVersion: null });
}

export const writableNotes = { notes: { writable: true } };

/** Pull everything (following hasMore) as a map collection/key → value or 'deleted'. */
export async function pullAll(t: TestServer, clientId = CLIENT): Promise<Map<string, unknown>> {
  const state = new Map<string, unknown>();
  let cursor = 0;
  for (;;) {
    const page = await t.pull(cursor, 100, { clientId });
    for (const c of page.changes) state.set(`${c.collection}/${c.key}`, 'deleted' in c ? 'deleted' : c.value);
    cursor = page.cursor;
    if (!page.hasMore) return state;
  }
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown> | undefined;
}

/** A Logger that keeps every entry, so a test can see what the server reported. */
export function recordingLogger(): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at = (level: LogEntry['level']) => (message: string, fields?: Record<string, unknown>) => {
    entries.push({ level, message, fields });
  };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, entries };
}
