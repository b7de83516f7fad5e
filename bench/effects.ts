/**
 * `npm run bench -- --only effects`: effects delivered per second to an HTTP receiver that answers in
 * 5 ms (loopback, in process). The effects are enqueued first by a server without effect handlers
 * (named mutations calling ctx.enqueue, 64 keys), then a second server on the same database delivers
 * them, timed from its start to the last one marked delivered. SQLite durable (one fsync per mark).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createSyncServer, httpEffect, tokenAuth, type SyncServer } from '../src/server.js';

export interface EffectsBenchRow {
  effects: number;
  concurrency: number;
  seconds: number;
  perSecond: number;
}

const KEYS = 64;

export async function runEffectsBench(dir: string, effects: number, log: (line: string) => void): Promise<EffectsBenchRow[]> {
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => setTimeout(() => res.writeHead(200).end(), 5));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
  const rows: EffectsBenchRow[] = [];
  try {
    for (const concurrency of [16, 64]) {
      const dbPath = join(dir, `effects-${concurrency}.db`);
      log(`effects: enqueue ${effects}, deliver with concurrency ${concurrency}`);
      await enqueue(dbPath, effects);
      rows.push(await deliver(dbPath, url, effects, concurrency));
    }
  } finally {
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
  return rows;
}

async function enqueue(dbPath: string, effects: number): Promise<void> {
  const server = createSyncServer({
    database: { sqlite: dbPath },
    auth: tokenAuth({ t: 'bench' }),
    mutations: { order: async (ctx, args) => void (await ctx.enqueue('notify', args, { key: `k${Number(args) % KEYS}` })) },
  });
  try {
    for (let from = 1; from <= effects; from += 500) {
      const mutations = Array.from({ length: Math.min(500, effects - from + 1) }, (_, i) => ({ id: from + i, name: 'order', args: from + i, createdAt: 0 }));
      const res = await server.fetch(new Request('http://bench/v1/push', { method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: JSON.stringify({ v: 1, clientId: 'bench-client', mutations }) }));
      if (res.status !== 200) throw new Error(`enqueue push answered ${res.status}: ${await res.text()}`);
    }
  } finally {
    await server.close();
  }
}

async function deliver(dbPath: string, url: string, effects: number, concurrency: number): Promise<EffectsBenchRow> {
  const started = performance.now();
  const server: SyncServer = createSyncServer({ database: { sqlite: dbPath }, auth: () => null, effects: { handlers: { notify: httpEffect({ url }) }, concurrency, pollMs: 5 } });
  try {
    for (;;) {
      const pending = await server.effects.list({ status: 'pending', limit: 1 });
      if (pending.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    return { effects, concurrency, seconds, perSecond: Math.round(effects / seconds) };
  } finally {
    await server.close();
  }
}

export function effectsTable(rows: EffectsBenchRow[]): string {
  const lines = ['| effects | concurrency | seconds | effects/s |', '|---:|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.effects} | ${r.concurrency} | ${r.seconds.toFixed(2)} | ${r.perSecond} |`);
  return lines.join('\n');
}
