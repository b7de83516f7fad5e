// A collection's schema on the server: the record each generic write leaves behind must pass it, or
// the write is rejected `invalid-value` and nothing changes — also when every client checked its own
// write locally and only the combination on the server breaks the schema. Run on SQLite
// (collection-schema.test.ts) and PostgreSQL (test/server-pg/collection-schema.test.ts).
import { expect } from 'vitest';
import { z } from 'zod';
import { defineCollection, type SynclineClient } from '../../src/index.js';
import { memoryClient, serverView, startServer } from '../helpers/harness.js';

const ticket = z
  .object({ total: z.number().int().nonnegative(), status: z.enum(['open', 'paid']) })
  .refine((t) => t.status !== 'paid' || t.total > 0, { message: 'a paid ticket has a total', path: ['total'] });
const stock = z.object({ count: z.number().min(0) });
const tickets = defineCollection('tickets', ticket);
const stocks = defineCollection('stock', stock);

async function rejectionCodes(client: SynclineClient): Promise<string[]> {
  return (await client.rejectedMutations()).map((r) => r.code);
}

export async function runCollectionSchemaScenario(database: string | { postgres: string }): Promise<void> {
  const server = startServer({ sqlitePath: database, collections: { tickets: { writable: true, schema: ticket }, stock: { writable: true, schema: stock } } });
  const a = await memoryClient(server.transport());
  const b = await memoryClient(server.transport());
  try {
    // A client that skips the local check (collection by name) is still held to the schema.
    await a.collection('tickets').put('bad', { total: -1, status: 'open' });
    await a.collection(tickets).put('t1', { total: 100, status: 'open' });
    await a.sync().result;
    expect(await rejectionCodes(a)).toEqual(['invalid-value']);
    expect((await a.rejectedMutations())[0]?.message).toMatch(/tickets\/bad .*total/);
    expect(await a.collection('tickets').get('bad')).toBeUndefined();

    // Each patch passes locally; together they would make a paid ticket without a total.
    await b.sync().result;
    await a.collection(tickets).patch('t1', { total: 0 });
    await b.collection(tickets).patch('t1', { status: 'paid' });
    await a.sync().result;
    await b.sync().result;
    expect(await rejectionCodes(b)).toEqual(['invalid-value']);
    expect(await b.collection(tickets).get('t1')).toEqual({ total: 0, status: 'open' });

    // Increments: each fine where it was made, the second one drives the count below zero.
    await a.collection(stocks).put('cups', { count: 1 });
    await a.sync().result;
    await b.sync().result;
    await a.collection(stocks).increment('cups', 'count', -1);
    await b.collection(stocks).increment('cups', 'count', -1);
    await a.sync().result;
    await b.sync().result;
    expect(await rejectionCodes(b)).toEqual(['invalid-value', 'invalid-value']);
    expect(await serverView(server.transport(), 'stock')).toEqual([{ key: 'cups', value: { count: 0 } }]);
    expect(await serverView(server.transport(), 'tickets')).toEqual([{ key: 't1', value: { total: 0, status: 'open' } }]);
  } finally {
    await a.close();
    await b.close();
    await server.close();
  }
}
