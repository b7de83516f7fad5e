/**
 * The demo scenario: a server on a temporary SQLite file, several tills selling and voiding through
 * an outage, injected faults and restarts, every document registered with a flaky simulated fiscal
 * service (fiscal-scenario.ts); then every till drains, the fiscal traffic settles and the server,
 * the fiscal service's ledger and every till's replica are checked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../core/client.js';
import { createMemoryStore } from '../stores/memory-store.js';
import { createHttpTransport } from '../transport/http-transport.js';
import { createSyncServer, serveNode, tokenAuth, type MutationHandler, type SyncServer, type SyncServerOptions } from '../server.js';
import { productsCollection, RECEIPT_MUTATIONS } from '../receipts.js';
import { createReceiptHandlers } from '../domain/receipts/server-handlers.js';
import { createPrng } from '../testing/prng.js';
import { conflictsResponse } from '../protocol/wire-conflicts.js';
import { PosTerminal } from './pos-terminal.js';
import { APPLICATIONS_COLLECTION, ApplicationLog, type ApplicationCheck } from './application-log.js';
import { checkDelivery, fingerprint, type DeliveryCheck, type ServerDocument } from './verify-demo.js';
import { startFiscal, type FiscalBreak } from './fiscal-scenario.js';
import type { FiscalFaults } from './fiscal-service.js';
import { checkFiscal, type FiscalCheck } from './verify-fiscal.js';

export interface DemoOptions {
  clients: number;
  receipts: number;
  seed: number;
  /** Milliseconds between a till's sales (a till is not a load generator). Default 40. */
  paceMs?: number;
  /** Called with a one-line status now and then. */
  onProgress?: (line: string) => void;
  /** Called at the scenario's milestones (outage starts, outage ends, draining). */
  onPhase?: (line: string) => void;
  signal?: AbortSignal;
  /**
   * Builds the demo's server. Default `createSyncServer`; a deliberately broken variant goes here to
   * show that the report's checks catch it.
   */
  createServer?: (options: SyncServerOptions) => SyncServer;
  /** A deliberately broken fiscal variant (see fiscal-scenario.ts), to show the report catches it. */
  fiscalBroken?: FiscalBreak;
  /** Override the fiscal service's fault rates (tests raise them so a short run surely meets each). */
  fiscalFaults?: Partial<FiscalFaults>;
}

export interface DemoReport extends Omit<DeliveryCheck, 'duplicates' | 'outOfOrder'> {
  /**
   * Second and later applications of one mutation id, counted at the sync layer (every run of a
   * named handler is logged, rejected runs included), so a domain that quietly refuses a resend
   * cannot hide one.
   */
  duplicates: number;
  /** Applications of a till's mutation after one with a higher id (sync layer). */
  outOfOrder: number;
  /** The sync-layer log in full: final runs, and runs whose transaction rolled back after returning. */
  applications: ApplicationCheck;
  /** The same questions asked of the receipts themselves (one per mutation, numbers in order). */
  documents: Pick<DeliveryCheck, 'duplicates' | 'outOfOrder'>;
  clients: number;
  receiptsPerClient: number;
  seed: number;
  voids: number;
  replicasConverged: boolean;
  restarts: number;
  outage: { fromStep: number; toStep: number };
  faults: { dropped: number; serverErrors: number; lostResponses: number; duplicates: number };
  /** Concurrent product edits the server resolved (from its audit trail), by resolution. */
  conflicts: { total: number; byResolution: Record<string, number> };
  /** Stock merged as deltas: the server's total equals the start minus every unit any till sold. */
  stock: { expected: number; onServer: number; consistent: boolean };
  /** Every document registered at the fiscal service exactly once; its final status on every till. */
  fiscal: FiscalCheck;
  durationMs: number;
  ok: boolean;
}

const PRODUCT_KEYS = ['espresso', 'cornetto', 'spremuta'] as const;
const START_STOCK = 10_000;

const FAULTS = { dropRequest: 0.1, serverError: 0.05, lostResponse: 0.1, duplicateDelivery: 0.05, latencyMs: { min: 1, max: 8 } };

export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'syncline-demo-'));
  const applicationLog = new ApplicationLog();
  const fiscal = await startFiscal({ seed: options.seed, broken: options.fiscalBroken, faults: options.fiscalFaults });
  const server = (options.createServer ?? createSyncServer)({
    database: { sqlite: join(dir, 'server.db') },
    auth: tokenAuth({ demo: 'shop-1' }),
    mutations: recordedHandlers(applicationLog),
    collections: productsCollection,
    ...fiscal.serverOptions,
  });
  const http = await serveNode(server, { port: 0 });
  fiscal.connect(http.url);
  const rng = createPrng(options.seed);
  const tills = Array.from({ length: options.clients }, (_, i) =>
    new PosTerminal({ name: `till-${i + 1}`, dir, url: http.url, token: 'demo', faults: { seed: options.seed * 1000 + i, ...FAULTS } }),
  );
  const progress = setInterval(() => {
    void statusLine(tills).then((line) => options.onProgress?.(line), () => undefined);
  }, 250);
  const pace = options.paceMs ?? 40;
  try {
    for (const till of tills) await till.open();
    await seedProducts(tills);
    const outage = { fromStep: Math.floor(options.receipts / 3), toStep: Math.floor((2 * options.receipts) / 3) };
    for (let step = 0; step < options.receipts; step++) {
      options.signal?.throwIfAborted();
      if (step === outage.fromStep) {
        tills.forEach((t) => t.setOffline(true));
        options.onPhase?.(`step ${step}: network outage begins — tills keep selling offline`);
      }
      if (step === outage.toStep) {
        tills.forEach((t) => t.setOffline(false));
        options.onPhase?.(`step ${step}: network is back — queued receipts drain`);
      }
      await Promise.all(tills.map((till) => playStep(till, rng, pace)));
    }
    options.onPhase?.('all sales made; faults off, waiting for every till to drain and converge');
    for (const till of tills) till.transport.setFaults({ dropRequest: 0, serverError: 0, lostResponse: 0, duplicateDelivery: 0 });
    const deadline = Date.now() + 60_000;
    await Promise.all(tills.map((t) => t.drain(deadline)));
    options.onPhase?.('every till drained; waiting for fiscal registrations and callbacks to settle');
    const settled = await fiscal.settle(server, Date.now() + 30_000);
    for (const till of tills) await till.drain(deadline); // a last pull each, after everyone pushed

    const serverDocs = await readServer(http.url);
    const replicaDocs = await Promise.all(tills.map((t) => t.client.collection('receipts').list()));
    const replicas = replicaDocs.map((docs) => fingerprint(docs));
    const { duplicates, outOfOrder, ...check } = checkDelivery(tills, serverDocs);
    const applications = applicationLog.check(await readServer(http.url, APPLICATIONS_COLLECTION));
    const stock = await checkStock(http.url, tills);
    const conflicts = await readConflicts(http.url);
    const replicasConverged = replicas.every((r) => r === fingerprint(serverDocs));
    const fiscalCheck = checkFiscal({
      performed: fiscal.service.performed(),
      stats: fiscal.service.stats(),
      serverDocs,
      replicas: replicaDocs,
      deadLetters: (await server.effects.deadLetters({ status: 'dead', limit: 10_000 })).length,
      settled,
    });
    const report: DemoReport = {
      clients: options.clients,
      receiptsPerClient: options.receipts,
      seed: options.seed,
      ...check,
      duplicates: applications.duplicates,
      outOfOrder: applications.outOfOrder,
      applications,
      documents: { duplicates, outOfOrder },
      voids: tills.reduce((s, t) => s + t.created.filter((d) => d.kind === 'void').length, 0),
      replicasConverged,
      restarts: tills.reduce((s, t) => s + t.restarts, 0),
      outage,
      faults: sumFaults(tills),
      conflicts,
      stock,
      fiscal: fiscalCheck,
      durationMs: Date.now() - started,
      ok: false,
    };
    const exactlyOnceInOrder = report.duplicates === 0 && report.outOfOrder === 0 && duplicates === 0 && outOfOrder === 0;
    report.ok = report.lost === 0 && exactlyOnceInOrder && report.unexpectedRejections === 0 && report.documentNumbersGapFree && replicasConverged && stock.consistent && fiscalCheck.ok;
    return report;
  } finally {
    clearInterval(progress);
    for (const till of tills) await till.close().catch(() => undefined);
    await fiscal.close();
    await http.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The receipt handlers with fiscal registration; the sale and void runs recorded (the fiscal write-backs are the server's own writes). */
function recordedHandlers(log: ApplicationLog): Record<string, MutationHandler> {
  const handlers = createReceiptHandlers({ fiscal: true });
  const tillMutations = new Set<string>(Object.values(RECEIPT_MUTATIONS));
  const recorded = log.wrap(Object.fromEntries(Object.entries(handlers).filter(([name]) => tillMutations.has(name))));
  return { ...handlers, ...recorded };
}

async function playStep(till: PosTerminal, rng: ReturnType<typeof createPrng>, pace: number): Promise<void> {
  if (rng.chance(0.05)) await till.restart();
  if (rng.chance(0.2) && till.created.length > 0) await till.voidOne(rng);
  await till.sell(rng);
  // Every sale takes stock; now and then a till reprices: concurrent product edits, merged per field.
  await till.takeStock(rng, PRODUCT_KEYS);
  if (rng.chance(0.05)) await till.reprice(rng, PRODUCT_KEYS);
  await new Promise((r) => setTimeout(r, rng.int(pace / 2, pace * 1.5)));
}

/** The first till creates the catalogue; every till pulls it before the scenario starts. */
async function seedProducts(tills: readonly PosTerminal[]): Promise<void> {
  const first = tills[0];
  if (first === undefined) return;
  for (const key of PRODUCT_KEYS) await first.client.collection('products').put(key, { name: key, price: '1.50', stock: START_STOCK });
  const deadline = Date.now() + 60_000;
  await first.drain(deadline);
  for (const till of tills) await till.drain(deadline);
}

async function checkStock(url: string, tills: readonly PosTerminal[]): Promise<DemoReport['stock']> {
  const products = await readServer(url, 'products');
  const onServer = products.reduce((sum, p) => sum + Number(p.value['stock']), 0);
  const expected = START_STOCK * PRODUCT_KEYS.length - tills.reduce((sum, t) => sum + t.unitsSold, 0);
  return { expected, onServer, consistent: onServer === expected };
}

/** Every audit entry of the demo's scope (GET /v1/conflicts, paged). */
async function readConflicts(url: string): Promise<DemoReport['conflicts']> {
  const byResolution: Record<string, number> = {};
  let total = 0;
  for (let after = 0; ;) {
    const response = await fetch(`${url}/v1/conflicts?limit=1000&after=${after}`, { headers: { authorization: 'Bearer demo' } });
    const page = conflictsResponse.parse(await response.json());
    for (const entry of page.conflicts) byResolution[entry.resolution] = (byResolution[entry.resolution] ?? 0) + 1;
    total += page.conflicts.length;
    if (!page.hasMore) return { total, byResolution };
    after = page.conflicts.at(-1)?.seq ?? after;
  }
}

/** The server's documents as an independent replica sees them: a fresh in-memory client pulls all. */
async function readServer(url: string, collection = 'receipts'): Promise<ServerDocument[]> {
  const client = await createClient({
    store: createMemoryStore(),
    transport: createHttpTransport({ url, token: 'demo' }),
    autoSync: false,
    pullPageSize: 1000,
  });
  try {
    await client.sync();
    return await client.collection(collection).list();
  } finally {
    await client.close();
  }
}

function sumFaults(tills: readonly PosTerminal[]): DemoReport['faults'] {
  const total = { dropped: 0, serverErrors: 0, lostResponses: 0, duplicates: 0 };
  for (const till of tills) {
    const f = till.transport.faults();
    total.dropped += f.dropped;
    total.serverErrors += f.serverErrors;
    total.lostResponses += f.lostResponses;
    total.duplicates += f.duplicates;
  }
  return total;
}

async function statusLine(tills: readonly PosTerminal[]): Promise<string> {
  const parts = await Promise.all(
    tills.map(async (t) => `${t.name}: ${t.created.length} made, ${await t.pending()} pending${t.offline ? ', offline' : ''}`),
  );
  return parts.join(' | ');
}
