/**
 * Shared by the import suites: input files, a fresh client that pulls a scope and verifies its digest,
 * and a look at what the server holds (every imported record's version must equal its input line:
 * no record written twice, none skipped).
 */
import { writeFileSync } from 'node:fs';
import { createClient } from '../../src/index.js';
import type { JsonObject } from '../../src/protocol/json.js';
import type { SyncServer } from '../../src/server.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';

/** The value of the i-th generated record (1-based). */
export function productValue(i: number): JsonObject {
  return { name: `product ${i}`, price: Math.round(i * 37) / 100, tags: i % 3 === 0 ? ['sale'] : [], stock: i % 97 };
}

export function productKey(i: number): string {
  return `p-${i}`;
}

export function* products(count: number): Generator<{ key: string; value: JsonObject }> {
  for (let i = 1; i <= count; i += 1) yield { key: productKey(i), value: productValue(i) };
}

/** A JSON Lines file of `count` products, one per line (line i = product i). */
export function writeProductsJsonl(path: string, count: number): void {
  const lines: string[] = [];
  for (const record of products(count)) lines.push(JSON.stringify(record));
  writeFileSync(path, `${lines.join('\n')}\n`);
}

export interface PulledScope {
  records: Map<string, JsonObject>;
  verify: string;
}

/** A fresh client (memory store) pulls everything of the token's scope and verifies its digest. */
export async function freshClientPull(server: SyncServer, token: string, collection: string): Promise<PulledScope> {
  const transport = createHttpTransport({ url: 'http://syncline.test', token, fetch: (request) => server.fetch(request) });
  const client = await createClient({ store: createMemoryStore(), transport, autoSync: false, pullPageSize: 5000 });
  try {
    const result = await client.sync({ verify: 'full' });
    const records = new Map((await client.collection(collection).list()).map((r) => [r.key, r.value as JsonObject]));
    return { records, verify: result.verify.status };
  } finally {
    await client.close();
  }
}

/** Every product 1..count present with its value. */
export function expectProducts(pulled: PulledScope, count: number): string | undefined {
  if (pulled.records.size !== count) return `expected ${count} records, pulled ${pulled.records.size}`;
  for (let i = 1; i <= count; i += 1) {
    const got = pulled.records.get(productKey(i));
    if (JSON.stringify(got) !== JSON.stringify(productValue(i))) return `record ${productKey(i)} is ${JSON.stringify(got)}`;
  }
  return undefined;
}

/** Records whose version is not their line number (first few), for a fresh scope imported from products(count). */
export function versionsOffLine(rows: ReadonlyArray<{ key: string; version: number | string }>): string[] {
  const off: string[] = [];
  for (const row of rows) {
    if (Number(row.version) !== Number(row.key.slice(2))) off.push(`${row.key}@${row.version}`);
    if (off.length >= 5) break;
  }
  return off;
}
