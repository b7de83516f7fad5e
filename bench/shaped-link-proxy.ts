/**
 * A TCP proxy on loopback that shapes traffic like a slow link, in user space (the kernel here has
 * no netem): every byte waits for its turn on a rate-limited link per direction (serialisation at
 * `bytesPerSecond`), then for the one-way propagation delay. Bytes are counted per direction, so the
 * bench can compare its times with the lower bound of the bytes that really crossed.
 *
 *   node --import tsx bench/shaped-link-proxy.ts --target <port> --delay-ms <one-way> --bytes-per-second <n>
 *
 * As a child it prints `{"port": …}`; on a `stats` line it prints `{"bytesUp": …, "bytesDown": …}`.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

export interface ShapedLinkOptions {
  targetPort: number;
  /** One-way propagation delay, ms (RTT = 2 × this). */
  oneWayDelayMs: number;
  /** Link rate per direction, bytes per second. */
  bytesPerSecond: number;
}

export interface ShapedLink {
  port: number;
  stats(): { bytesUp: number; bytesDown: number };
  close(): Promise<void>;
}

/** One direction of the link, shared by every connection (they compete for the same rate). */
interface Direction {
  freeAt: number;
  bytes: number;
}

const PIECE = 4096;

export function startShapedLink(options: ShapedLinkOptions): Promise<ShapedLink> {
  const up: Direction = { freeAt: 0, bytes: 0 };
  const down: Direction = { freeAt: 0, bytes: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(options.targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    shape(client, upstream, up, options);
    shape(upstream, client, down, options);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      resolve({
        port,
        stats: () => ({ bytesUp: up.bytes, bytesDown: down.bytes }),
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function shape(from: Socket, to: Socket, link: Direction, options: ShapedLinkOptions): void {
  const queue: Array<{ at: number; piece: Buffer }> = [];
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  const pump = (): void => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.at <= now) to.write(queue.shift()!.piece);
    if (queue.length > 0) timer = setTimeout(pump, Math.max(0, queue[0]!.at - now));
    else if (ended) to.end();
  };
  from.on('data', (chunk: Buffer) => {
    for (let offset = 0; offset < chunk.length; offset += PIECE) {
      const piece = chunk.subarray(offset, offset + PIECE);
      const start = Math.max(performance.now(), link.freeAt);
      link.freeAt = start + (piece.length * 1000) / options.bytesPerSecond;
      link.bytes += piece.length;
      queue.push({ at: link.freeAt + options.oneWayDelayMs, piece });
    }
    timer ??= setTimeout(pump, Math.max(0, queue[0]!.at - performance.now()));
  });
  from.on('end', () => {
    ended = true;
    timer ??= setTimeout(pump, 0);
  });
}

async function runAsChild(): Promise<void> {
  const { values } = parseArgs({ options: { target: { type: 'string' }, 'delay-ms': { type: 'string' }, 'bytes-per-second': { type: 'string' } } });
  const link = await startShapedLink({
    targetPort: Number(values.target),
    oneWayDelayMs: Number(values['delay-ms'] ?? '50'),
    bytesPerSecond: Number(values['bytes-per-second'] ?? '125000'),
  });
  process.stdout.on('error', () => process.exit(1));
  process.stdout.write(`${JSON.stringify({ port: link.port })}\n`);
  const commands = createInterface({ input: process.stdin });
  commands.on('line', (line) => {
    if (line.trim() === 'stats') process.stdout.write(`${JSON.stringify(link.stats())}\n`);
  });
  commands.on('close', () => void link.close().then(() => process.exit(0)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runAsChild();
