/**
 * The bench scenarios, each against its own server process and SQLite database:
 * - a dataset of N receipts: seed by raw pushes, initial pull into a fresh client, void 1% on the
 *   server, delta pull by the same client file;
 * - an outbox drain: queue receipts offline, go online, sync.
 */
import { join } from 'node:path';
import { runChild, startChild } from './children.js';
import { createReceiptMutation, RawPusher, seedReceiptId, voidReceiptMutation } from './seed.js';

const TOKEN = 'bench-token';
const SCOPE = 'bench-shop';
const SEED_CLIENT_ID = 'bench-seeder-0001';
const ISSUED_AT = Date.UTC(2025, 0, 1);

/** What a `client-scenario.ts sync` child reports. */
export interface SyncReport {
  cycleMs: number;
  wallMs: number;
  pushRequests: number;
  pullRequests: number;
  pulledChanges: number;
  bytesUp: number;
  bytesDown: number;
  httpRequests: number;
  cursor: number;
  maxRssBytes: number;
}

/** What a `client-scenario.ts drain` child reports. */
export interface DrainReport {
  count: number;
  pushBatchSize: number | 'default';
  queueMs: number;
  offlineSyncFailed: boolean;
  pendingBefore: number;
  pendingAfter: number;
  pushPhaseMs: number;
  pushPhase: { requests: number; bytesSent: number; bytesReceived: number } | null;
  pushTimeSplit: { inRequestsMs: number; clientSideMs: number; firstGapMs: number; lastGapMs: number };
  cycleMs: number;
  pushRequests: number;
  pushedApplied: number;
  pushedRejected: number;
  pullRequests: number;
  pulledChanges: number;
  bytesUp: number;
  bytesDown: number;
  maxRssBytes: number;
}

export interface DatasetResult {
  receipts: number;
  seed: { ms: number; requests: number; mutationsPerSecond: number };
  initialPull: SyncReport & { recordsPerSecond: number };
  voids: { count: number; ms: number; requests: number; recordsChanged: number };
  deltaPull: SyncReport & { recordsPerSecond: number };
  deltaVsFull: { bytesSavedPercent: number; requestsSavedPercent: number; recordsRatio: number };
  serverMaxRssBytes: number;
}

/** Peak RSS of processes that do no work: what every measured process pays before any data. */
export interface Baselines {
  idleClientMaxRssBytes: number;
  idleServerMaxRssBytes: number;
}

export interface DrainResult extends DrainReport {
  mutationsPerSecond: number;
  queuedPerSecond: number;
  serverMaxRssBytes: number;
}

interface ServerHandle {
  url: string;
  /** Stop the server and return its peak RSS in bytes. */
  stop(): Promise<number>;
}

async function startServer(dbPath: string): Promise<ServerHandle> {
  const child = startChild('server-process.ts', ['--db', dbPath, '--token', TOKEN, '--scope', SCOPE]);
  const { url } = await child.next<{ url: string }>();
  return {
    url,
    async stop() {
      child.send('stop');
      const { maxRssBytes } = await child.next<{ maxRssBytes: number }>();
      await child.exited;
      return maxRssBytes;
    },
  };
}

async function syncChild(storePath: string, url: string): Promise<SyncReport & { recordsPerSecond: number }> {
  const report = await runChild<SyncReport>('client-scenario.ts', ['sync', '--store', storePath, '--url', url, '--token', TOKEN]);
  return { ...report, recordsPerSecond: perSecond(report.pulledChanges, report.cycleMs) };
}

export async function runBaselines(dir: string): Promise<Baselines> {
  const server = await startServer(join(dir, 'server-idle.db'));
  const idleServerMaxRssBytes = await server.stop();
  const args = ['idle', '--store', join(dir, 'client-idle.sqlite'), '--url', 'http://127.0.0.1:9', '--token', TOKEN];
  const client = await runChild<{ maxRssBytes: number }>('client-scenario.ts', args);
  return { idleClientMaxRssBytes: client.maxRssBytes, idleServerMaxRssBytes };
}

export async function runDataset(dir: string, receipts: number, log: (line: string) => void): Promise<DatasetResult> {
  const server = await startServer(join(dir, `server-${receipts}.db`));
  try {
    const pusher = new RawPusher(server.url, TOKEN, SEED_CLIENT_ID);
    log(`  seeding ${receipts} receipts`);
    const seeded = await pusher.pushAll(receipts, (i) => createReceiptMutation(seedReceiptId(i), ISSUED_AT + i));
    const storePath = join(dir, `client-${receipts}.sqlite`);
    log('  initial pull');
    const initialPull = await syncChild(storePath, server.url);

    // 1% of the receipts, spread evenly; each void changes two records (the void and the original).
    const voidCount = Math.max(1, Math.floor(receipts / 100));
    log(`  voiding ${voidCount} receipts on the server`);
    const voided = await pusher.pushAll(voidCount, (i) => voidReceiptMutation(seedReceiptId(Math.floor((i * receipts) / voidCount))));
    log('  delta pull');
    const deltaPull = await syncChild(storePath, server.url);
    return {
      receipts,
      seed: { ms: seeded.ms, requests: seeded.requests, mutationsPerSecond: perSecond(receipts, seeded.ms) },
      initialPull,
      voids: { count: voidCount, ms: voided.ms, requests: voided.requests, recordsChanged: 2 * voidCount },
      deltaPull,
      deltaVsFull: {
        bytesSavedPercent: savedPercent(deltaPull.bytesDown, initialPull.bytesDown),
        requestsSavedPercent: savedPercent(deltaPull.httpRequests, initialPull.httpRequests),
        recordsRatio: deltaPull.pulledChanges / initialPull.pulledChanges,
      },
      serverMaxRssBytes: await server.stop(),
    };
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw error;
  }
}

export async function runDrain(dir: string, count: number, batch: number | undefined, log: (line: string) => void): Promise<DrainResult> {
  const label = batch === undefined ? 'default' : String(batch);
  const server = await startServer(join(dir, `server-drain-${label}.db`));
  try {
    log(`  outbox drain: ${count} mutations, push batch ${label}`);
    const args = ['drain', '--store', join(dir, `client-drain-${label}.sqlite`), '--url', server.url, '--token', TOKEN, '--count', String(count)];
    if (batch !== undefined) args.push('--batch', String(batch));
    const report = await runChild<DrainReport>('client-scenario.ts', args);
    return {
      ...report,
      mutationsPerSecond: perSecond(report.pushedApplied, report.pushPhaseMs),
      queuedPerSecond: perSecond(report.count, report.queueMs),
      serverMaxRssBytes: await server.stop(),
    };
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw error;
  }
}

function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : Number.NaN;
}

/** How much smaller `part` is than `whole`, in percent. */
function savedPercent(part: number, whole: number): number {
  return whole > 0 ? (1 - part / whole) * 100 : Number.NaN;
}
