// Many pokes, few pulls: a burst of commits pokes a listening client once per commit, and pokes that
// arrive while its pull is under way fold into one more cycle, not one cycle each. Real HTTP, real
// SSE; the listener's pull is held at a gate (client side) until all 100 pokes have reached it, so
// the count does not depend on timing.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createClient, createSsePokes, type Transport } from '../../src/index.js';
import { createSyncServer, serveNode, tokenAuth } from '../../src/server.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { tempDir } from '../helpers/harness.js';

const WRITES = 100;

it('100 commits poked one by one cause two pulls, not 100', async () => {
  const dir = tempDir();
  const server = createSyncServer({ database: { sqlite: join(dir.path, 's.db') }, auth: tokenAuth({ t: 'shop' }), collections: { products: { writable: true } } });
  const http = await serveNode(server, { port: 0 });
  let gate: Promise<void> | undefined;
  let open = (): void => undefined;
  let pullsHeld = 0;
  const inner = createHttpTransport({ url: http.url, token: 't' });
  const gated: Transport = {
    push: (request, options) => inner.push(request, options),
    pull: async (request, options) => {
      if (gate !== undefined) {
        pullsHeld += 1;
        await gate;
      }
      return inner.pull(request, options);
    },
    health: (options) => inner.health(options),
    stats: () => inner.stats(),
  };
  const sse = createSsePokes({ url: http.url, token: 't' });
  let highestPoke = 0;
  const realtime = { subscribe: (listener: (poke: { version: number }) => void) => sse.subscribe((poke) => {
    highestPoke = Math.max(highestPoke, poke.version);
    listener(poke);
  }), close: () => sse.close() };
  const b = await createClient({ store: createMemoryStore(), transport: gated, realtime, pullIntervalMs: 0 });
  const pokeCycles: string[] = [];
  b.on('sync.started', (e) => e.trigger === 'poke' && pokeCycles.push(e.syncId));
  const a = await createClient({ store: createMemoryStore(), transport: createHttpTransport({ url: http.url, token: 't' }), autoSync: false, pushBatchSize: 1 });
  try {
    await until(async () => (await b.history()).length > 0); // B's start cycle is done
    gate = new Promise<void>((resolve) => (open = resolve));
    for (let i = 0; i < WRITES; i += 1) await a.collection('products').put(`p${i}`, { n: i });
    const pushed = await a.sync();
    expect(pushed.pushed.requests).toBe(WRITES); // one commit, hence one poke, per write
    await until(async () => highestPoke >= WRITES && pullsHeld === 1);
    open();
    gate = undefined;
    await until(async () => (await b.collection('products').get(`p${WRITES - 1}`)) !== undefined);
    // Quiet: not syncing, and no cycle started over two looks. A loop that ran a cycle per poke would
    // still be working through them (its cycles follow one another without a timer in between).
    let started = -1;
    await until(async () => {
      const quiet = !b.status().syncing && pokeCycles.length === started;
      started = pokeCycles.length;
      return quiet;
    }, 20_000, 50);
    // The held cycle, and one more for all the pokes that came while it was held.
    expect(pokeCycles).toHaveLength(2);
  } finally {
    open();
    await a.close();
    await b.close();
    realtime.close();
    await http.close();
    await server.close();
    dir.remove();
  }
});

async function until(check: () => Promise<boolean>, ms = 20_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
