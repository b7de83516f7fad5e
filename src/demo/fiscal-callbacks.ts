/**
 * The fiscal service's outgoing callbacks: each registration's outcome is POSTed to the sync server's
 * incoming webhook, signed per Standard Webhooks with the `standardwebhooks` package, and retried on
 * a dropped connection or a 5xx until the server answers. Flaky on purpose: some callbacks are sent
 * late, and some are sent twice with the same `webhook-id` (a sender's retransmission, sometimes
 * racing the first) — the server must act on each once and refuse the other as `webhook-replayed`.
 */
import { Webhook } from 'standardwebhooks';
import type { Prng } from '../testing/prng.js';

export interface CallbackFaults {
  /** A callback is sent `lateMs` after the registration instead of at once. */
  late: number;
  lateMs: { min: number; max: number };
  /** A callback is sent a second time with the same `webhook-id`. */
  duplicateCallback: number;
}

export interface CallbackEvent {
  scope: string;
  receiptId: string;
  outcome: 'accepted' | 'refused';
  fiscalId: string;
  reason?: string;
}

export interface CallbackStats {
  /** HTTP requests made, retries and duplicates included. */
  sent: number;
  late: number;
  duplicatesSent: number;
  /** The server acted on the callback (`status: 'applied'`). */
  applied: number;
  /** The server refused a callback it had already acted on (409 `webhook-replayed`). */
  replayRefused: number;
  /** The server acknowledged without writing (`rejected`/`ignored`), or refused it as bad (4xx): a bug in the demo. */
  notApplied: number;
  /** Attempts that failed (connection or 5xx) and were retried. */
  retried: number;
}

export interface FiscalCallbacksOptions {
  rng: Prng;
  faults: CallbackFaults;
  url: () => string;
  secret: string;
  signal: AbortSignal;
}

export class FiscalCallbacks {
  readonly #o: FiscalCallbacksOptions;
  readonly #webhook: Webhook;
  readonly #running = new Set<Promise<void>>();
  #stats: CallbackStats = { sent: 0, late: 0, duplicatesSent: 0, applied: 0, replayRefused: 0, notApplied: 0, retried: 0 };

  constructor(options: FiscalCallbacksOptions) {
    this.#o = options;
    this.#webhook = new Webhook(options.secret);
  }

  get outstanding(): number {
    return this.#running.size;
  }

  stats(): CallbackStats {
    return { ...this.#stats };
  }

  /** Schedule the callback of one registration (and, sometimes, its duplicate). */
  send(event: CallbackEvent): void {
    const id = `fiscal-${event.fiscalId}`;
    const body = JSON.stringify({ type: `registration.${event.outcome}`, data: event });
    const { rng, faults } = this.#o;
    const late = rng.chance(faults.late);
    if (late) this.#stats.late += 1;
    const delay = late ? rng.int(faults.lateMs.min, faults.lateMs.max) : rng.int(0, 5);
    this.#track(this.#deliver(id, body, delay));
    if (rng.chance(faults.duplicateCallback)) {
      this.#stats.duplicatesSent += 1;
      this.#track(this.#deliver(id, body, delay + rng.int(0, 40)));
    }
  }

  /** Resolves once every scheduled callback finished (or was abandoned because the service closed). */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  #track(delivery: Promise<void>): void {
    const tracked = delivery.catch(() => undefined).finally(() => this.#running.delete(tracked));
    this.#running.add(tracked);
  }

  async #deliver(id: string, body: string, delayMs: number): Promise<void> {
    const { signal } = this.#o;
    await sleep(delayMs, signal);
    for (let attempt = 1; ; attempt++) {
      this.#stats.sent += 1;
      const outcome = await this.#post(id, body);
      if (outcome !== 'retry') {
        this.#stats[outcome] += 1;
        return;
      }
      this.#stats.retried += 1;
      await sleep(Math.min(500, 10 * 2 ** attempt), signal);
    }
  }

  async #post(id: string, body: string): Promise<'applied' | 'replayRefused' | 'notApplied' | 'retry'> {
    // Signed at each attempt: a retransmission carries a fresh timestamp, as a real sender's does.
    const now = new Date();
    const signature = this.#webhook.sign(id, now, body);
    const timestamp = String(Math.floor(now.getTime() / 1000));
    let response: Response;
    try {
      response = await fetch(this.#o.url(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature },
        body,
        signal: this.#o.signal,
      });
    } catch (error) {
      if (this.#o.signal.aborted) throw error;
      return 'retry';
    }
    const answer = (await response.json().catch(() => ({}))) as { status?: unknown; error?: { code?: unknown } };
    if (response.status >= 500) return 'retry';
    if (response.status === 409 && answer.error?.code === 'webhook-replayed') return 'replayRefused';
    return response.ok && answer.status === 'applied' ? 'applied' : 'notApplied';
  }
}

/** Resolves after `ms`, or rejects at once when `signal` aborts (so closing leaves no timer behind). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
