// Stored outcomes exist for resends; a client that declares mutations settled lets the server forget
// them, so mutation_outcomes does not grow forever. Runs on both backends.
import { expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import type { PushResponse } from '../../src/protocol/wire.js';
import { CLIENT, describeEachDialect, putNote, writableNotes } from './helpers.js';


describeEachDialect('forgetting settled outcomes', (start) => {
  it('deletes outcomes up to settledThrough, and answers a resend of a forgotten one clearly', async () => {
    const t = await start({ collections: writableNotes });
    try {
      await t.pushOk([putNote(1, 'a'), putNote(2, 'b')]);
      const response = await t.post('/v1/push', { v: 1, clientId: CLIENT, mutations: [putNote(3, 'c')], settledThrough: 2 });
      expect(response.status).toBe(200);
      const resent = (await (await t.post('/v1/push', { v: 1, clientId: CLIENT, mutations: [putNote(2, 'b'), putNote(3, 'c')] })).json()) as PushResponse;
      expect(resent.outcomes).toEqual([
        expect.objectContaining({ id: 2, status: 'rejected', code: 'outcome-forgotten', duplicate: true }),
        expect.objectContaining({ id: 3, status: 'applied', duplicate: true }),
      ]);
    } finally {
      await t.cleanup();
    }
  });

  it('a syncing client keeps the server holding only outcomes it may still ask for', async () => {
    const t = await start({ collections: writableNotes });
    const client = await createClient({
      store: createMemoryStore(),
      transport: createHttpTransport({ url: 'http://test', token: 'token-a', fetch: (r) => t.server.fetch(r) }),
      autoSync: false,
    });
    try {
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 5; i++) await client.collection('notes').put(`n${round}-${i}`, { round, i });
        await client.sync();
      }
      // Rounds 1 and 2 told the server that everything before them was settled.
      const pull = await t.pull(0, 100, { clientId: client.clientId });
      expect(pull.lastMutationId).toBe(15);
      const stored = (await (await t.post('/v1/push', { v: 1, clientId: client.clientId, mutations: [putNote(1, 'x')] })).json()) as PushResponse;
      expect(stored.outcomes[0]).toMatchObject({ code: 'outcome-forgotten' });
    } finally {
      await client.close();
      await t.cleanup();
    }
  });
});
