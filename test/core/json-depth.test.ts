// Input nested deeper than the protocol's limit is refused where it is written, not at the server:
// there a 400 for the whole push would stop every mutation queued behind it.
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { InvalidArgumentError, type SynclineClient } from '../../src/index.js';
import { LIMITS } from '../../src/protocol/wire.js';
import { MAX_RECORD_VALUE_DEPTH } from '../../src/core/json-depth.js';
import { memoryClient, startServer, tempDir, type TestServer } from '../helpers/harness.js';

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
let client: SynclineClient;

beforeEach(async () => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db'), mutations: { 'note.add': () => undefined } });
  client = await memoryClient(server.transport());
});
afterEach(async () => {
  await client.close();
  await server.close();
  dir.remove();
});

/** An object `levels` arrays/objects deep (the outer object counts as one). */
function nested(levels: number): { [key: string]: unknown } {
  let value: unknown = 'leaf';
  for (let i = 1; i < levels; i += 1) value = i % 2 === 0 ? { x: value } : [value];
  return { x: value };
}

it('refuses args and values nested past the limit with nothing queued, and accepts the limit itself', async () => {
  const products = client.collection('products');
  await expect(client.mutate('note.add', nested(LIMITS.maxJsonDepth + 1) as never)).rejects.toBeInstanceOf(InvalidArgumentError);
  await expect(products.put('deep', nested(MAX_RECORD_VALUE_DEPTH + 1) as never)).rejects.toThrow(/more than 63 levels/);
  await expect(products.patch('deep', nested(5000) as never)).rejects.toBeInstanceOf(InvalidArgumentError);
  expect(await client.pendingCount()).toBe(0);

  await client.mutate('note.add', nested(LIMITS.maxJsonDepth) as never);
  await products.put('ok', nested(MAX_RECORD_VALUE_DEPTH) as never);
  const result = await client.sync();
  expect(result.pushed.applied).toBe(2);
  expect(await client.pendingCount()).toBe(0);
});
