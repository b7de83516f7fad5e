/**
 * Shaped-link scenario: push and pull N receipts through a TCP proxy that behaves like a 1 Mbit/s
 * link with 100 ms RTT (50 ms each way), with and without gzip. Each run gets its own server; the
 * proxy, the server and each client run in their own processes so their event loops don't interfere.
 *
 * The lower bound is what no protocol over this link could beat for the same exchange:
 * round trips × RTT + bytes on the wire (both directions, HTTP headers included) ÷ rate.
 */
import { join } from 'node:path';
import { runChild, startChild } from './children.js';

const TOKEN = 'bench-token';
const SCOPE = 'bench-shop';
export const SHAPED_LINK = { oneWayDelayMs: 50, bytesPerSecond: 1_000_000 / 8 };

export interface ShapedRun {
  direction: 'push' | 'pull';
  compress: boolean;
  receipts: number;
  ms: number;
  requests: number;
  wireBytesUp: number;
  wireBytesDown: number;
  bodyBytesUp: number;
  bodyBytesDown: number;
  lowerBoundMs: number;
}

interface ClientReport {
  ms: number;
  requests: number;
  bodyBytesUp: number;
  bodyBytesDown: number;
}

export async function runShapedLink(dir: string, receipts: number, log: (line: string) => void): Promise<ShapedRun[]> {
  const runs: ShapedRun[] = [];
  for (const compress of [false, true]) {
    const server = startChild('server-process.ts', ['--db', join(dir, `server-shaped-${compress ? 'gzip' : 'plain'}.db`), '--token', TOKEN, '--scope', SCOPE]);
    const { url } = await server.next<{ url: string }>();
    const proxy = startChild('shaped-link-proxy.ts', ['--target', new URL(url).port, '--delay-ms', String(SHAPED_LINK.oneWayDelayMs), '--bytes-per-second', String(SHAPED_LINK.bytesPerSecond)]);
    const { port } = await proxy.next<{ port: number }>();
    const link = async (): Promise<{ bytesUp: number; bytesDown: number }> => {
      proxy.send('stats');
      return proxy.next();
    };
    try {
      for (const direction of ['push', 'pull'] as const) {
        log(`  shaped link: ${direction} ${receipts} receipts, ${compress ? 'gzip' : 'no compression'}`);
        const before = await link();
        const args = [direction, '--url', `http://127.0.0.1:${port}`, '--token', TOKEN, '--count', String(receipts), ...(compress ? ['--compress'] : [])];
        const report = await runChild<ClientReport>('shaped-link-client.ts', args);
        const after = await link();
        const wireBytesUp = after.bytesUp - before.bytesUp;
        const wireBytesDown = after.bytesDown - before.bytesDown;
        runs.push({ direction, compress, receipts, ...report, wireBytesUp, wireBytesDown, lowerBoundMs: lowerBound(report.requests, wireBytesUp + wireBytesDown) });
      }
    } finally {
      proxy.send('quit');
      server.send('stop');
      await server.next().catch(() => undefined);
    }
  }
  return runs;
}

function lowerBound(roundTrips: number, bytes: number): number {
  return roundTrips * 2 * SHAPED_LINK.oneWayDelayMs + (bytes * 1000) / SHAPED_LINK.bytesPerSecond;
}

export function shapedLinkTable(runs: ShapedRun[]): string {
  const header = ['direction', 'gzip', 'receipts', 'requests', 'wire up', 'wire down', 'JSON bodies up/down', 'time', 'lower bound', 'time ÷ bound'];
  const rows = runs.map((r) => [
    r.direction,
    r.compress ? 'yes' : 'no',
    r.receipts.toLocaleString('en-US'),
    String(r.requests),
    kib(r.wireBytesUp),
    kib(r.wireBytesDown),
    `${kib(r.bodyBytesUp)} / ${kib(r.bodyBytesDown)}`,
    `${(r.ms / 1000).toFixed(1)} s`,
    `${(r.lowerBoundMs / 1000).toFixed(1)} s`,
    (r.ms / r.lowerBoundMs).toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}
