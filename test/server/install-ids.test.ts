// Install ids on the server (migration 0009_install_ids), on SQLite and PostgreSQL: a client that
// replaces one which had mutations accepted under the same install id is told about it
// (`previousInstall`), within its scope only, and never for a client that is not new.
import { afterEach, expect, it } from 'vitest';
import { describeEachDialect, putNote, writableNotes, type StartServer, type TestServer } from './helpers.js';

const OLD = 'old-client-0001';
const NEW = 'new-client-0002';
const INSTALL = 'install-0000-aaaa';

describeEachDialect('install ids', (start: StartServer) => {
  let t: TestServer;
  afterEach(async () => t.cleanup());

  const push = async (clientId: string, ids: number[], extra: Record<string, unknown> = {}, token = 'token-a') => {
    const response = await t.post('/v1/push', { v: 1, clientId, mutations: ids.map((id) => putNote(id, `${clientId}-${id}`)), ...extra }, token);
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };
  const pull = async (clientId: string, extra: Record<string, unknown> = {}, token = 'token-a') => {
    const response = await t.post('/v1/pull', { v: 1, clientId, cursor: 0, limit: 100, ...extra }, token);
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };

  it('answers a new client under a known install id with what it had accepted from the earlier one', async () => {
    t = await start({ collections: writableNotes });
    const before = Date.now();
    expect(await push(OLD, [1, 2, 3], { installId: INSTALL })).not.toHaveProperty('previousInstall');
    const after = Date.now();
    expect(await pull(OLD, { installId: INSTALL })).not.toHaveProperty('previousInstall');

    // The store was wiped: a new client id, same install id, an empty cursor.
    const first = await pull(NEW, { installId: INSTALL });
    expect(first['previousInstall']).toEqual({ clientId: OLD, lastMutationId: 3, lastSeenAt: expect.any(Number) });
    const seen = (first['previousInstall'] as { lastSeenAt: number }).lastSeenAt;
    expect(seen).toBeGreaterThanOrEqual(before);
    expect(seen).toBeLessThanOrEqual(after);
    // It keeps saying so to the new client (a lost response must not lose the news), on push too.
    expect((await push(NEW, [1], { installId: INSTALL }))['previousInstall']).toEqual(first['previousInstall']);
    expect((await pull(NEW, { installId: INSTALL }))['previousInstall']).toEqual(first['previousInstall']);
    // A request without installId is answered as before.
    expect(await pull(NEW)).not.toHaveProperty('previousInstall');
  });

  it('reports nothing when the earlier client had no mutation accepted, and keeps an older loss', async () => {
    t = await start({ collections: writableNotes });
    await pull(OLD, { installId: INSTALL });
    expect(await pull(NEW, { installId: INSTALL })).not.toHaveProperty('previousInstall');

    await push(NEW, [1, 2], { installId: INSTALL });
    const third = await pull('third-client-03', { installId: INSTALL });
    expect(third['previousInstall']).toMatchObject({ clientId: NEW, lastMutationId: 2 });
    // Wiped again before writing anything: the loss of NEW's store is still the news.
    expect((await pull('fourth-client-4', { installId: INSTALL }))['previousInstall']).toMatchObject({ clientId: NEW, lastMutationId: 2 });
  });

  it('stays within the scope: another scope never hears of a client under the same install id', async () => {
    t = await start({ collections: writableNotes });
    await push(OLD, [1, 2], { installId: INSTALL });
    expect(await pull(NEW, { installId: INSTALL }, 'token-b')).not.toHaveProperty('previousInstall');
    expect(await push(NEW, [1], { installId: INSTALL }, 'token-b')).not.toHaveProperty('previousInstall');
    // …and the scope-a record is untouched by it.
    expect((await pull('scope-a-client', { installId: INSTALL }))['previousInstall']).toMatchObject({ clientId: OLD, lastMutationId: 2 });
  });

  it('does not call a client that already has mutations accepted a wiped store', async () => {
    t = await start({ collections: writableNotes });
    await push(OLD, [1], { installId: INSTALL });
    await push(NEW, [1, 2]); // an established client of another local database, no install id yet
    expect(await pull(NEW, { installId: INSTALL })).not.toHaveProperty('previousInstall');
    expect(await pull(OLD, { installId: INSTALL })).not.toHaveProperty('previousInstall');
  });

  it('refuses a malformed installId with 400 on push and pull', async () => {
    t = await start({ collections: writableNotes });
    for (const bad of ['short', 'has space in it', 'x'.repeat(129), 42]) {
      const pushed = await t.post('/v1/push', { v: 1, clientId: OLD, mutations: [putNote(1, 'k')], installId: bad });
      expect(pushed.status).toBe(400);
      expect(await pushed.json()).toMatchObject({ error: { code: 'invalid-request', retryable: false } });
      expect((await t.post('/v1/pull', { v: 1, clientId: OLD, cursor: 0, limit: 10, installId: bad })).status).toBe(400);
    }
  });
});
