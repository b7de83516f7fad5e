// Tombstone purge on PostgreSQL: the horizon moves, old cursors get reset-required, clients recover.
import { expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import { createSyncServer, tokenAuth } from '../../src/server.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { describePostgres } from '../helpers/postgres.js';

describePostgres('tombstone purge on PostgreSQL', (pg) => {
  it('purges, refuses an old cursor, and a stale client re-syncs to the server state', async () => {
    const server = createSyncServer({ database: { postgres: await pg.createDatabase() }, auth: tokenAuth({ t: 's' }), collections: { products: { writable: true } } });
    const transport = () => createHttpTransport({ url: 'http://pg.test', token: 't', fetch: (r) => server.fetch(r) });
    const [stale, other] = [
      await createClient({ store: createMemoryStore(), transport: transport(), autoSync: false }),
      await createClient({ store: createMemoryStore(), transport: transport(), autoSync: false }),
    ];
    try {
      await other.collection('products').put('a', { n: 1 });
      await other.collection('products').put('b', { n: 2 });
      await other.sync();
      await stale.sync();
      await other.collection('products').delete('a');
      await other.sync();
      const [purge] = await server.purgeTombstones({ keepVersions: 0 });
      expect(purge).toMatchObject({ scope: 's', purgedThrough: 3, tombstonesRemoved: 1 });
      const result = await stale.sync();
      expect(result.pulled.resets).toBe(1);
      expect((await stale.collection('products').list()).map((r) => r.key)).toEqual(['b']);
    } finally {
      await stale.close();
      await other.close();
      await server.close();
    }
  });
});
