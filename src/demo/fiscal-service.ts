/**
 * A simulated fiscal service (the tax authority's receipt registry) on its own loopback HTTP server,
 * flaky on purpose. `POST /v1/registrations` with an `Idempotency-Key` registers one document; the
 * outcome ("accepted" with a fiscal id, or "refused") comes later as a Standard Webhooks-signed
 * callback to the sync server's incoming webhook (fiscal-callbacks.ts).
 *
 * Faults, drawn from a seeded generator per request:
 * - before registering: the connection is dropped, or the answer is a 503 (nothing happened);
 * - after registering: the connection is dropped, or the answer comes after `slowMs` (past the
 *   caller's timeout) — the registration happened but the caller cannot know, so it retries.
 * A retry with the same `Idempotency-Key` is answered from the stored registration and performs
 * nothing. `deduplicate: false` is the deliberately broken variant: every request that gets through
 * is performed, so a retried registration is performed twice and the demo's report must catch it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fiscalRegistration, type FiscalRegistration } from '../domain/receipts/fiscal.js';
import { createPrng, type Prng } from '../testing/prng.js';
import { FiscalCallbacks, sleep, type CallbackFaults, type CallbackStats } from './fiscal-callbacks.js';

export interface FiscalFaults extends CallbackFaults {
  /** Connection dropped before registering. */
  dropBefore: number;
  /** 503 before registering. */
  serverError: number;
  /** Registered, then the connection is dropped (the answer is lost). */
  dropAfter: number;
  /** Registered, then answered only after `slowMs`. */
  slow: number;
  slowMs: number;
  /** Registrations refused (a real outcome, not a fault: the till shows `refused`). */
  refuse: number;
}

export interface FiscalServiceOptions {
  seed: number;
  faults: FiscalFaults;
  /** Incoming-webhook URL of the sync server, read when a callback is sent. */
  callbackUrl: () => string;
  /** The Standard Webhooks secret the sync server's `fiscal` source verifies with. */
  secret: string;
  /** Default true. false: the broken variant that performs every retry again. */
  deduplicate?: boolean;
}

/** One registration as the fiscal service performed it. */
export interface Registration {
  fiscalId: string;
  idempotencyKey: string;
  document: FiscalRegistration;
  outcome: 'accepted' | 'refused';
}

export interface FiscalServiceStats {
  /** Every request received, retries included. */
  requests: number;
  /** Requests answered from an earlier registration with the same Idempotency-Key. */
  deduplicated: number;
  faults: { droppedBefore: number; serverErrors: number; droppedAfter: number; slow: number };
  callbacks: CallbackStats;
}

export class FiscalService {
  readonly #o: FiscalServiceOptions;
  readonly #rng: Prng;
  readonly #server = createServer((req, res) => void this.#handle(req, res));
  readonly #sockets = new Set<Socket>();
  readonly #byKey = new Map<string, Registration>();
  readonly #performed: Registration[] = [];
  readonly #closing = new AbortController();
  readonly #callbacks: FiscalCallbacks;
  #stats = { requests: 0, deduplicated: 0, faults: { droppedBefore: 0, serverErrors: 0, droppedAfter: 0, slow: 0 } };

  constructor(options: FiscalServiceOptions) {
    this.#o = options;
    this.#rng = createPrng(options.seed);
    this.#callbacks = new FiscalCallbacks({ rng: this.#rng, faults: options.faults, url: options.callbackUrl, secret: options.secret, signal: this.#closing.signal });
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Every registration performed, in order (a document performed twice appears twice). */
  performed(): Registration[] {
    return [...this.#performed];
  }

  stats(): FiscalServiceStats {
    return { ...this.#stats, faults: { ...this.#stats.faults }, callbacks: this.#callbacks.stats() };
  }

  /** Callbacks scheduled or in flight (a late one, a duplicate, a retry). */
  get outstandingCallbacks(): number {
    return this.#callbacks.outstanding;
  }

  async close(): Promise<void> {
    this.#closing.abort();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await this.#callbacks.settled();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#stats.requests += 1;
    try {
      if (req.method !== 'POST' || req.url !== '/v1/registrations') return answer(res, 404, { error: 'not-found' });
      const body = await readBody(req);
      const key = req.headers['idempotency-key'];
      if (typeof key !== 'string' || key === '') return answer(res, 400, { error: 'idempotency-key-missing' });
      const parsed = fiscalRegistration.safeParse(safeJson(body));
      if (!parsed.success) return answer(res, 400, { error: 'invalid-registration' });
      const f = this.#o.faults;
      if (this.#rng.chance(f.dropBefore)) return this.#drop(req, 'droppedBefore');
      if (this.#rng.chance(f.serverError)) {
        this.#stats.faults.serverErrors += 1;
        return answer(res, 503, { error: 'busy' });
      }
      const registration = this.#register(key, parsed.data);
      if (this.#rng.chance(f.dropAfter)) return this.#drop(req, 'droppedAfter');
      if (this.#rng.chance(f.slow)) {
        this.#stats.faults.slow += 1;
        await sleep(f.slowMs, this.#closing.signal);
      }
      answer(res, 202, { fiscalId: registration.fiscalId, status: 'received' });
    } catch {
      // A dropped or closing connection: nothing to answer.
      res.destroy();
    }
  }

  #register(key: string, document: FiscalRegistration): Registration {
    const earlier = this.#byKey.get(key);
    if (earlier !== undefined && this.#o.deduplicate !== false) {
      this.#stats.deduplicated += 1;
      return earlier;
    }
    const outcome = this.#rng.chance(this.#o.faults.refuse) ? 'refused' : 'accepted';
    const registration: Registration = { fiscalId: `FS-${String(this.#performed.length + 1).padStart(6, '0')}`, idempotencyKey: key, document, outcome };
    this.#byKey.set(key, registration);
    this.#performed.push(registration);
    this.#callbacks.send({
      scope: document.scope,
      receiptId: document.receiptId,
      outcome,
      fiscalId: registration.fiscalId,
      ...(outcome === 'refused' ? { reason: 'registry refused the document (simulated)' } : {}),
    });
    return registration;
  }

  #drop(req: IncomingMessage, counter: 'droppedBefore' | 'droppedAfter'): void {
    this.#stats.faults[counter] += 1;
    req.socket.destroy();
  }
}

function answer(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('registration body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
