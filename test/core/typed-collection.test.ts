// Typed collections: a schema types the records and refuses a bad write before it is queued, so the
// outbox never holds a value the app declared impossible; good writes store the schema's output.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { defineCollection, isSynclineError, RecordSchemaError, type Collection, type SynclineClient } from '../../src/index.js';
import { memoryClient, serverView, startServer, tempDir, type TestServer } from '../helpers/harness.js';

const receipts = defineCollection(
  'tickets',
  z.object({
    number: z.string().min(1),
    total: z.number().int().nonnegative(),
    status: z.enum(['open', 'paid', 'void']).default('open'),
  }),
);
const products = defineCollection('products', zm.object({ name: zm.string(), stock: zm.number().check(zm.minimum(0)) }));

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
let client: SynclineClient;

beforeEach(async () => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db'), collections: { tickets: { writable: true }, products: { writable: true } } });
  client = await memoryClient(server.transport());
});
afterEach(async () => {
  await client.close();
  await server.close();
  dir.remove();
});

async function refused(write: Promise<unknown>): Promise<RecordSchemaError> {
  const error: unknown = await write.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RecordSchemaError);
  expect(isSynclineError(error) && error.code).toBe('invalid-argument');
  return error as RecordSchemaError;
}

describe('typed collections', () => {
  it('refuse an invalid put with the schema’s messages and queue nothing', async () => {
    const r = client.collection(receipts);
    const error = await refused(r.put('r1', { number: '', total: -5 }));
    expect(error.message).toMatch(/tickets\/r1/);
    expect(error.message).toMatch(/number:/);
    expect(error.message).toMatch(/total:/);
    expect(error.details?.['issues']).toEqual(expect.arrayContaining([expect.objectContaining({ path: ['total'] })]));
    expect(await client.pendingCount()).toBe(0);
    expect(await r.get('r1')).toBeUndefined();
  });

  it('store the schema’s output (defaults filled) and sync it', async () => {
    const r = client.collection(receipts);
    await r.put('r1', { number: 'A-1', total: 1250 });
    expect(await r.get('r1')).toEqual({ number: 'A-1', total: 1250, status: 'open' });
    await client.sync();
    expect(await serverView(server.transport(), 'tickets')).toEqual([{ key: 'r1', value: { number: 'A-1', total: 1250, status: 'open' } }]);
  });

  it('judge a patch by the record it produces', async () => {
    const r = client.collection(receipts);
    await r.put('r1', { number: 'A-1', total: 100 });
    await r.patch('r1', { status: 'paid' });
    await refused(r.patch('r1', { status: 'lost' as 'void' }));
    await refused(r.patch('r2', { status: 'paid' })); // no record yet: number and total are missing
    expect(await client.pendingCount()).toBe(2);
    expect(await r.get('r1')).toEqual({ number: 'A-1', total: 100, status: 'paid' });
  });

  it('judge an increment by the sum it produces (a zod/mini schema)', async () => {
    const p = client.collection(products);
    await p.put('p1', { name: 'Espresso', stock: 2 });
    await p.increment('p1', 'stock', -2);
    await refused(p.increment('p1', 'stock', -1));
    expect(await p.get('p1')).toEqual({ name: 'Espresso', stock: 0 });
    expect(await client.pendingCount()).toBe(2);
  });

  it('accept asynchronous validators', async () => {
    const asyncSchema = z.object({ sku: z.string() }).refine(async (v) => v.sku.startsWith('SKU-'), { message: 'sku must start with SKU-', path: ['sku'] });
    const skus = client.collection(defineCollection('skus', asyncSchema));
    await skus.put('a', { sku: 'SKU-1' });
    const error = await refused(skus.put('b', { sku: 'X' }));
    expect(error.message).toMatch(/sku: sku must start with SKU-/);
    expect(await client.pendingCount()).toBe(1);
  });

  it('leave collections opened by name unchecked, as before', async () => {
    await client.collection('tickets').put('r9', { anything: true });
    expect(await client.pendingCount()).toBe(1);
  });

  it('refuse a definition that is not a Standard Schema, or a bad name', () => {
    expect(() => defineCollection('x', {} as never)).toThrow(/not a Standard Schema/);
    expect(() => defineCollection('bad name!', z.object({}))).toThrow(/Invalid collection name/);
  });

  it('infer record types from the schema', () => {
    const r = client.collection(receipts);
    expectTypeOf(r).toExtend<Collection<{ number: string; total: number; status: 'open' | 'paid' | 'void' }, never>>();
    expectTypeOf(r.get).returns.resolves.toEqualTypeOf<{ number: string; total: number; status: 'open' | 'paid' | 'void' } | undefined>();
    expectTypeOf(r.put).parameter(1).toHaveProperty('total').toEqualTypeOf<number>();
    // Checked by tsc only: never called.
    const wrong = (): void => {
      // @ts-expect-error: total must be a number
      void r.put('r', { number: 'n', total: '1' });
      // @ts-expect-error: not a numeric field
      void client.collection(products).increment('p', 'name', 1);
    };
    expect(typeof wrong).toBe('function');
  });
});
