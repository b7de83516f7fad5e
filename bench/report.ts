/** Formats bench results as plain-text tables and gathers the machine facts stored with them. */
import { cpus, totalmem, type as osType, release } from 'node:os';
import type { DatasetResult, DrainResult } from './scenarios.js';

export interface MachineInfo {
  node: string;
  platform: string;
  cpuModel: string;
  cpus: number;
  totalMemoryBytes: number;
  date: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    node: process.version,
    platform: `${osType()} ${release()} ${process.arch}`,
    cpuModel: list[0]?.model ?? 'unknown',
    cpus: list.length,
    totalMemoryBytes: totalmem(),
    date: new Date().toISOString(),
  };
}

export function datasetTable(results: DatasetResult[]): string {
  const rows: Array<[string, ...string[]]> = [
    ['receipts on server', ...results.map((r) => count(r.receipts))],
    ['seed (raw push, 1000/request)', ...results.map((r) => `${seconds(r.seed.ms)}, ${rate(r.seed.mutationsPerSecond)} mut/s`)],
    ['initial pull: time', ...results.map((r) => seconds(r.initialPull.cycleMs))],
    ['initial pull: records', ...results.map((r) => `${count(r.initialPull.pulledChanges)} (${rate(r.initialPull.recordsPerSecond)}/s)`)],
    ['initial pull: requests', ...results.map((r) => count(r.initialPull.httpRequests))],
    ['initial pull: bytes down', ...results.map((r) => bytes(r.initialPull.bytesDown))],
    ['initial pull: client peak RSS', ...results.map((r) => bytes(r.initialPull.maxRssBytes))],
    ['server: voids (1%) applied', ...results.map((r) => `${count(r.voids.count)} → ${count(r.voids.recordsChanged)} records`)],
    ['delta pull: time', ...results.map((r) => seconds(r.deltaPull.cycleMs))],
    ['delta pull: records', ...results.map((r) => count(r.deltaPull.pulledChanges))],
    ['delta pull: requests', ...results.map((r) => count(r.deltaPull.httpRequests))],
    ['delta pull: bytes down', ...results.map((r) => bytes(r.deltaPull.bytesDown))],
    ['delta pull: client peak RSS', ...results.map((r) => bytes(r.deltaPull.maxRssBytes))],
    ['delta vs initial: bytes saved', ...results.map((r) => percent(r.deltaVsFull.bytesSavedPercent))],
    ['delta vs initial: requests saved', ...results.map((r) => percent(r.deltaVsFull.requestsSavedPercent))],
    ['server peak RSS (whole dataset run)', ...results.map((r) => bytes(r.serverMaxRssBytes))],
  ];
  return table(['', ...results.map((r) => `N = ${count(r.receipts)}`)], rows);
}

export function drainTable(results: DrainResult[]): string {
  const rows: Array<[string, ...string[]]> = [
    ['mutations queued offline', ...results.map((r) => `${count(r.count)} in ${seconds(r.queueMs)} (${rate(r.queuedPerSecond)}/s)`)],
    ['push phase: time', ...results.map((r) => seconds(r.pushPhaseMs))],
    ['push phase: mutations/s', ...results.map((r) => rate(r.mutationsPerSecond))],
    ['push phase: in requests / client-side', ...results.map((r) => `${seconds(r.pushTimeSplit.inRequestsMs)} / ${seconds(r.pushTimeSplit.clientSideMs)}`)],
    ['client gap before first / last push', ...results.map((r) => `${seconds(r.pushTimeSplit.firstGapMs)} / ${seconds(r.pushTimeSplit.lastGapMs)}`)],
    ['push phase: requests', ...results.map((r) => count(r.pushRequests))],
    ['push phase: bytes up / down', ...results.map((r) => `${bytes(r.pushPhase?.bytesSent ?? Number.NaN)} / ${bytes(r.pushPhase?.bytesReceived ?? Number.NaN)}`)],
    ['applied / rejected', ...results.map((r) => `${count(r.pushedApplied)} / ${count(r.pushedRejected)}`)],
    ['whole cycle incl. pull-back: time', ...results.map((r) => seconds(r.cycleMs))],
    ['pull-back: records, bytes down', ...results.map((r) => `${count(r.pulledChanges)}, ${bytes(r.bytesDown - (r.pushPhase?.bytesReceived ?? Number.NaN))}`)],
    ['pending after sync', ...results.map((r) => count(r.pendingAfter))],
    ['client peak RSS', ...results.map((r) => bytes(r.maxRssBytes))],
    ['server peak RSS', ...results.map((r) => bytes(r.serverMaxRssBytes))],
  ];
  return table(['', ...results.map((r) => `push batch ${r.pushBatchSize === 'default' ? 'default (100)' : r.pushBatchSize}`)], rows);
}

function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((row) => (row[col] ?? '').length)));
  const line = (row: string[]): string => `| ${row.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function rate(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
}

function seconds(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function bytes(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function percent(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(1)} %` : 'n/a';
}
