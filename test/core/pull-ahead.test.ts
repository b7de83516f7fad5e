// The pull fetches one page ahead when the plan allows 2 requests in flight: the next page is asked
// for before the current one is applied, no extra requests are made, and a page fetched ahead that
// is not used is aborted rather than left running.
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SynclineClient } from '../../src/index.js';
import { META, T } from '../../src/core/local-schema.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import type { Transport } from '../../src/transport/transport.js';
import { memoryClient, startServer, tempDir, type TestServer } from '../helpers/harness.js';

let dir: ReturnType<typeof tempDir>;
let server: TestServer;

beforeEach(async () => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db') });
  const writer = await memoryClient(server.transport());
  for (let i = 0; i < 25; i++) await writer.collection('products').put(`p${String(i).padStart(2, '0')}`, { n: i });
  await writer.sync();
  await writer.close();
});

afterEach(async () => {
  await server.close();
  dir.remove();
});

/** A transport that logs each pull it is asked for and whether its signal was aborted later. */
function logging(inner: Transport, log: string[]): Transport & { aborted: number[] } {
  const aborted: number[] = [];
  return {
    ...inner,
    stats: () => inner.stats(),
    push: (request, options) => inner.push(request, options),
    health: (options) => inner.health(options),
    pull: (request, options) => {
      log.push(`request ${request.cursor}`);
      options?.signal?.addEventListener('abort', () => aborted.push(request.cursor), { once: true });
      return inner.pull(request, options);
    },
    aborted,
  };
}

async function reader(transport: Transport, concurrency: number, log: string[]): Promise<SynclineClient> {
  const client = await memoryClient(transport, { pullPageSize: 10, concurrency, verify: false });
  client.on('records.changed', (e) => {
    if (e.source === 'remote') log.push(`applied ${e.changes.flatMap((c) => c.keys).length}`);
  });
  return client;
}

it('with concurrency 2 asks for the next page before applying the current one, with no extra requests', async () => {
  const log: string[] = [];
  const client = await reader(logging(server.transport(), log), 2, log);
  const result = await client.sync();
  expect(log.map((l) => l.split(' ')[0])).toEqual(['request', 'request', 'applied', 'request', 'applied', 'applied']);
  expect(result.pulled).toMatchObject({ requests: 3, pages: 3, changes: 25 });
  expect(result.plan.concurrency).toBe(2);
  expect(await client.collection('products').list()).toHaveLength(25);
  await client.close();
});

it('with concurrency 1 asks for each page only after the previous one is applied', async () => {
  const log: string[] = [];
  const client = await reader(logging(server.transport(), log), 1, log);
  const result = await client.sync();
  expect(log.map((l) => l.split(' ')[0])).toEqual(['request', 'applied', 'request', 'applied', 'request', 'applied']);
  expect(result.pulled).toMatchObject({ requests: 3, pages: 3, changes: 25 });
  await client.close();
});

it('aborts the page fetched ahead when the cycle fails while applying, and resumes from the last checkpoint', async () => {
  const log: string[] = [];
  const transport = logging(server.transport(), log);
  let failOnce = true;
  const client = await memoryClient(transport, {
    pullPageSize: 10,
    concurrency: 2,
    verify: false,
    plugins: [
      {
        name: 'fails-on-second-page',
        afterPull(page) {
          if (failOnce && page.changes[0]?.key === 'p10') {
            failOnce = false;
            throw new Error('test: the app rejected this page');
          }
        },
      },
    ],
  });
  await expect(client.sync()).rejects.toThrow(/rejected this page/);
  const [secondPageCursor, thirdPageCursor] = log.filter((l) => l.startsWith('request')).slice(1).map((l) => Number(l.split(' ')[1]));
  expect(transport.aborted).toEqual([thirdPageCursor]); // the third page, asked for ahead, was dropped
  expect(await client.collection('products').list()).toHaveLength(10); // the first page stays applied

  log.length = 0;
  const result = await client.sync();
  expect(log[0]).toBe(`request ${String(secondPageCursor)}`);
  expect(result.pulled.changes).toBe(15);
  expect(await client.collection('products').list()).toHaveLength(25);
  await client.close();
});

it('does not use a page fetched ahead from a cursor another writer has since moved', async () => {
  const log: string[] = [];
  const transport = logging(server.transport(), log);
  const store = createMemoryStore();
  let moved: number | undefined;
  const client = await memoryClient(transport, {
    store,
    pullPageSize: 10,
    concurrency: 2,
    verify: false,
    plugins: [
      {
        name: 'another-tab',
        async afterPull(page) {
          // As if another tab applied this page (and one more record) first.
          if (moved === undefined && page.changes[0]?.key === 'p00') {
            moved = page.cursor + 1;
            await store.write((tx) => tx.put(T.meta, META.cursor, moved!));
          }
        },
      },
    ],
  });
  await client.sync();
  const requests = log.filter((l) => l.startsWith('request')).map((l) => Number(l.split(' ')[1]));
  expect(requests[2]).toBe(moved); // the page asked for ahead (requests[1]) was dropped, not applied
  expect(transport.aborted).toEqual([requests[1]]);
  await client.close();
});
