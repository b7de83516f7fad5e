/**
 * Resume overhead and digest cost: an initial pull of N receipts into a SQLite client, once without
 * interruption and once SIGKILLed k times (k = 1, 3, 5) and restarted on the same file each time.
 * The server runs in this process (seeded in bulk, not by push) behind a wrapper that counts every
 * pull response body, so bytes sent to runs that were killed count too. Client runs are children.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSyncServer, serveNode, tokenAuth } from '../src/server.js';
import { bytesOf, countingPulls, type PullRecord } from '../test/resume/fixtures/pull-counter.js';
import { seedReceiptDatabase } from '../test/resume/fixtures/seed-receipts.js';
import { measureServerDigestCost, type ServerDigestCost } from './digest-cost.js';

const TOKEN = 'bench-resume';
const SCOPE = 'bench-resume-shop';
const PAGE_SIZE = 1000;
/** Kills land this long after a page committed: mid-request, so each costs the page in flight. */
const KILL_DELAY_MS = 5;
const CHILD = fileURLToPath(new URL('resume-client.ts', import.meta.url));

export interface PullScenario {
  interruptions: number;
  /** Processes started: interruptions + 1. */
  runs: number;
  pullRequests: number;
  bytesDown: number;
  /** Sum over runs of the time from sync() starting to the process ending (killed or done). */
  syncMs: number;
  /** Wall time of all runs including process start-up and store opening. */
  wallMs: number;
  extraBytes: number;
  extraBytesPercent: number;
  extraSyncMs: number;
  extraWallMs: number;
  final: { outcome: string; verify: string; pulledChanges: number; durationMs: number; verifyPhaseMs: number };
}

export interface ResumeResult {
  records: number;
  pageSize: number;
  killDelayMs: number;
  seedMs: number;
  scenarios: PullScenario[];
  digest: { clientLocalDigestsMs: number; clientVerifyPhaseMs: number; records: number; server: ServerDigestCost };
}

interface ChildRun {
  killed: boolean;
  syncMs: number;
  wallMs: number;
  result: (PullScenario['final'] & { event: 'result' }) | undefined;
}

export async function runResumeBench(dir: string, records: number, interruptions: number[], log: (line: string) => void): Promise<ResumeResult> {
  const dbPath = join(dir, 'server-resume.db');
  log(`resume: seeding ${records} receipts in bulk`);
  const seeded = await seedReceiptDatabase(dbPath, SCOPE, records);
  const pulls: PullRecord[] = [];
  const server = createSyncServer({ database: { sqlite: dbPath }, auth: tokenAuth({ [TOKEN]: SCOPE }) });
  const http = await serveNode(countingPulls(server, pulls), { port: 0 });
  const scenarios: PullScenario[] = [];
  let clientDigest: { medianMs: number; records: number };
  try {
    const pages = Math.ceil(records / PAGE_SIZE);
    for (const k of [0, ...interruptions]) {
      log(`resume: initial pull with ${k} interruption(s)`);
      const store = join(dir, `client-resume-${k}.sqlite`);
      scenarios.push(await pullWithKills(http.url, store, k, pages, pulls));
    }
    log('resume: client localDigests');
    clientDigest = await digestChild(join(dir, 'client-resume-0.sqlite'));
  } finally {
    await http.close();
    await server.close();
  }
  const [baseline] = scenarios;
  if (baseline === undefined) throw new Error('resume bench: no uninterrupted run');
  for (const s of scenarios) compareWith(s, baseline);
  log('resume: server digest cost');
  const serverCost = await measureServerDigestCost(dbPath, SCOPE);
  return {
    records,
    pageSize: PAGE_SIZE,
    killDelayMs: KILL_DELAY_MS,
    seedMs: seeded.ms,
    scenarios,
    digest: { clientLocalDigestsMs: clientDigest.medianMs, clientVerifyPhaseMs: baseline.final.verifyPhaseMs, records: clientDigest.records, server: serverCost },
  };
}

/** k kills spread evenly over the pull (each after a share of the pages), then a run to the end. */
async function pullWithKills(url: string, store: string, k: number, pages: number, pulls: PullRecord[]): Promise<PullScenario> {
  const runs: Array<ChildRun & { label: string }> = [];
  const share = Math.max(1, Math.floor(pages / (k + 1)));
  for (let i = 0; i <= k; i += 1) {
    const label = `k${k}-run${i}`;
    runs.push({ label, ...(await pullChild(url, store, label, i < k ? share : undefined)) });
  }
  const last = runs[runs.length - 1];
  if (last?.result === undefined || runs.slice(0, -1).some((r) => !r.killed)) throw new Error(`resume bench: the ${k}-kill scenario did not run as planned.`);
  const mine = pulls.filter((p) => runs.some((r) => r.label === p.run));
  const { event: _event, ...final } = last.result;
  return {
    interruptions: k,
    runs: runs.length,
    pullRequests: mine.length,
    bytesDown: bytesOf(mine),
    syncMs: runs.reduce((sum, r) => sum + r.syncMs, 0),
    wallMs: runs.reduce((sum, r) => sum + r.wallMs, 0),
    extraBytes: 0,
    extraBytesPercent: 0,
    extraSyncMs: 0,
    extraWallMs: 0,
    final,
  };
}

function compareWith(s: PullScenario, baseline: PullScenario): void {
  s.extraBytes = s.bytesDown - baseline.bytesDown;
  s.extraBytesPercent = (s.extraBytes / baseline.bytesDown) * 100;
  s.extraSyncMs = s.syncMs - baseline.syncMs;
  s.extraWallMs = s.wallMs - baseline.wallMs;
}

/** One client process; with `killAtPage`, SIGKILLed KILL_DELAY_MS after that many committed pages. */
function pullChild(url: string, store: string, label: string, killAtPage: number | undefined): Promise<ChildRun> {
  const args = ['pull', '--store', store, '--url', url, '--token', TOKEN, '--label', label, '--page', String(PAGE_SIZE)];
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const spawned = performance.now();
  let syncStarted: number | undefined;
  let result: ChildRun['result'];
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const message = JSON.parse(line) as { event?: string; n?: number };
    if (message.event === 'start') syncStarted = performance.now();
    if (message.event === 'page' && message.n === killAtPage) setTimeout(() => child.kill('SIGKILL'), KILL_DELAY_MS);
    if (message.event === 'result') result = message as ChildRun['result'];
  });
  child.stdin.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ended = performance.now();
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`resume bench child ${label} exited with ${code ?? signal}.`));
      else resolve({ killed: signal === 'SIGKILL', syncMs: ended - (syncStarted ?? ended), wallMs: ended - spawned, result });
    });
  });
}

async function digestChild(store: string): Promise<{ medianMs: number; records: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'digest', '--store', store, '--repeat', '3'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let report: { medianMs: number; records: number } | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('{')) report = JSON.parse(line) as { medianMs: number; records: number };
  });
  child.stdin.on('error', () => undefined);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0 || report === undefined) throw new Error(`resume bench: digest child exited with ${code}.`);
  return report;
}
