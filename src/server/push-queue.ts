/**
 * Pushes of one client on one server instance run one after another, in the order they arrived.
 *
 * This is what lets a client pipeline: it sends batch k+1 before batch k is answered, and batch k+1
 * waits here for batch k instead of meeting `last + 1 < first id` (a 409 gap) while k is still being
 * applied. Requests can also arrive in the other order (two connections, the later body read
 * first): a push that meets a gap while nothing of its client was queued waits a moment for a push
 * of that client to arrive, lets it go first, and is then decided again. Correctness never rests on
 * any of this — every slice still decides ids against `last` under the scope lock — so a request that
 * reaches another instance is answered by the usual rules (a gap, which the pipelining client
 * answers by sending the batch again once its predecessor is answered).
 */
import { HttpError } from './http-errors.js';

/**
 * Pushes of one client that may be in progress here at once. A pipelining client has two; retries
 * racing their originals add a few; more is a client gone wrong, and each one parks a body in memory.
 */
export const MAX_QUEUED_PUSHES_PER_CLIENT = 16;
/** How long a push that met a gap waits for its predecessor to arrive (arrival lag is ~ms). */
export const OVERTAKEN_WAIT_MS = 250;

interface Queue {
  tail: Promise<void>;
  length: number;
}

export class ClientPushQueue {
  readonly #queues = new Map<string, Queue>();
  readonly #arrivals = new Map<string, Set<() => void>>();

  /**
   * Run `task` once every earlier push of `clientId` on this instance has finished. If it fails with
   * a gap while it was first in line, wait up to OVERTAKEN_WAIT_MS for another push of the client,
   * queue behind it and run once more.
   */
  async run<T>(clientId: string, task: () => Promise<T>): Promise<T> {
    const first = !this.#queues.has(clientId);
    try {
      return await this.#enqueue(clientId, task);
    } catch (error) {
      if (!first || !(error instanceof HttpError) || error.code !== 'mutation-gap') throw error;
      if (!(await this.#arrival(clientId))) throw error;
      return await this.#enqueue(clientId, task);
    }
  }

  #enqueue<T>(clientId: string, task: () => Promise<T>): Promise<T> {
    const queue = this.#queues.get(clientId) ?? { tail: Promise.resolve(), length: 0 };
    if (queue.length >= MAX_QUEUED_PUSHES_PER_CLIENT) {
      throw new HttpError(429, 'rate-limited', `Client ${clientId} already has ${queue.length} pushes in progress on this server; wait for their answers before sending more.`, {
        retryable: true,
        headers: { 'retry-after': '1' },
      });
    }
    // Runs after its predecessor settles either way: a failed push must not wedge the ones behind it.
    const result = queue.tail.then(task);
    queue.length += 1;
    const tail = result.then(settled, settled);
    queue.tail = tail;
    this.#queues.set(clientId, queue);
    for (const arrived of this.#arrivals.get(clientId) ?? []) arrived();
    const queues = this.#queues;
    function settled(): void {
      queue.length -= 1;
      if (queue.tail === tail) queues.delete(clientId);
    }
    return result;
  }

  /** True once a push of `clientId` is queued (or one already is), false after OVERTAKEN_WAIT_MS. */
  #arrival(clientId: string): Promise<boolean> {
    if (this.#queues.has(clientId)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiting = this.#arrivals.get(clientId) ?? new Set();
      this.#arrivals.set(clientId, waiting);
      const finish = (arrived: boolean): void => {
        clearTimeout(timer);
        waiting.delete(onArrival);
        if (waiting.size === 0 && this.#arrivals.get(clientId) === waiting) this.#arrivals.delete(clientId);
        resolve(arrived);
      };
      const onArrival = (): void => finish(true);
      const timer = setTimeout(() => finish(false), OVERTAKEN_WAIT_MS);
      waiting.add(onArrival);
    });
  }

  /** Clients with a push running or waiting, or a push waiting for its predecessor (tests: 0 when idle). */
  get size(): number {
    return this.#queues.size + this.#arrivals.size;
  }
}
