/**
 * Child processes of the bench: each server and each client scenario runs in its own Node process
 * (through tsx) so its peak RSS is its own. Every child is tracked here and killed on exit or
 * failure, so nothing outlives the run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const live = new Set<ChildProcess>();

/** A running child that speaks JSON lines on stdout. */
export interface JsonChild {
  /** The next JSON line the child prints (rejects if it exits first). */
  next<T>(): Promise<T>;
  send(line: string): void;
  /** Resolves with the exit code once the child has exited. */
  exited: Promise<number | null>;
}

/**
 * Start `node --import tsx bench/<script> ...args`. stderr is passed through for diagnosis.
 * SYNCLINE_BENCH_CHILD_FLAGS adds node flags to every child (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`
 * to profile the servers, which NODE_OPTIONS does not allow).
 */
export function startChild(script: string, args: string[]): JsonChild {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const flags = (process.env['SYNCLINE_BENCH_CHILD_FLAGS'] ?? '').split(' ').filter((f) => f !== '');
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', path, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  live.add(child);
  // 'close' (not 'exit') fires after stdout is drained, so no result line is lost.
  const exited = once(child, 'close').then(([code]) => {
    live.delete(child);
    return code as number | null;
  });
  const results = new JsonLines(createInterface({ input: child.stdout! }), script);
  // A child that dies takes its stdin pipe with it; ignore EPIPE on a late command.
  child.stdin!.on('error', () => undefined);
  return { next: () => results.next(), send: (line) => child.stdin!.write(`${line}\n`), exited };
}

/** JSON lines as they arrive; lines that are not JSON objects (stray output) are skipped. */
class JsonLines {
  readonly #buffer: unknown[] = [];
  readonly #waiters: Array<{ resolve(value: unknown): void; reject(error: Error): void }> = [];
  #closed = false;

  constructor(lines: Interface, readonly script: string) {
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      const value: unknown = JSON.parse(line);
      const waiter = this.#waiters.shift();
      if (waiter === undefined) this.#buffer.push(value);
      else waiter.resolve(value);
    });
    lines.on('close', () => {
      this.#closed = true;
      for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#endedError());
    });
  }

  next<T>(): Promise<T> {
    if (this.#buffer.length > 0) return Promise.resolve(this.#buffer.shift() as T);
    if (this.#closed) return Promise.reject(this.#endedError());
    return new Promise<T>((resolve, reject) => this.#waiters.push({ resolve: resolve as (value: unknown) => void, reject }));
  }

  #endedError(): Error {
    return new Error(`bench child ${this.script} ended before printing its result; see its stderr above.`);
  }
}

/** Run a child to completion and return the single JSON result it prints. */
export async function runChild<T>(script: string, args: string[]): Promise<T> {
  const child = startChild(script, args);
  const result = await child.next<T>();
  const code = await child.exited;
  if (code !== 0) throw new Error(`bench child ${script} exited with code ${code}.`);
  return result;
}

/** Kill every child still running (on failure or interrupt). */
export function killAllChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}
