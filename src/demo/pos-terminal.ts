/**
 * One simulated point-of-sale till: its own SQLite file, a syncline client over HTTP through the
 * fault-injecting transport, and a record of every document it created (to check the server against).
 */
import { join } from 'node:path';
import { createClient, type SynclineClient } from '../core/client.js';
import { randomId } from '../core/identity.js';
import { receiptMutators } from '../domain/receipts/client-mutators.js';
import { openSqliteStore } from '../stores/sqlite-store.js';
import { createHttpTransport } from '../transport/http-transport.js';
import { createFaultTransport, type FaultOptions, type FaultTransport } from '../testing/fault-transport.js';
import type { Prng } from '../testing/prng.js';
import { randomItems } from './random-receipt.js';

export interface CreatedDocument {
  id: string;
  kind: 'sale' | 'void';
  mutationId: number;
  refersTo?: string;
  /** A void of a receipt that does not exist: the server must reject it. */
  expectRejection: boolean;
}

export interface TerminalOptions {
  name: string;
  dir: string;
  url: string;
  token: string;
  faults: FaultOptions;
}

export class PosTerminal {
  readonly name: string;
  readonly created: CreatedDocument[] = [];
  readonly rejected = new Map<number, string>();
  restarts = 0;
  /** Units this till took off product stock (the demo checks the server lost none of them). */
  unitsSold = 0;
  readonly #o: TerminalOptions;
  readonly #transport: FaultTransport;
  #client: SynclineClient | undefined;
  #offline = false;

  constructor(options: TerminalOptions) {
    this.name = options.name;
    this.#o = options;
    // One transport for the till's whole life, so fault counters and the seeded sequence survive restarts.
    this.#transport = createFaultTransport(createHttpTransport({ url: options.url, token: options.token }), options.faults);
  }

  get client(): SynclineClient {
    if (this.#client === undefined) throw new Error(`${this.name} is not open`);
    return this.#client;
  }

  get transport(): FaultTransport {
    return this.#transport;
  }

  async open(): Promise<void> {
    const store = await openSqliteStore(join(this.#o.dir, `${this.name}.db`), { durability: 'normal' });
    this.#client = await createClient({
      store,
      transport: this.#transport,
      mutators: receiptMutators,
      pullIntervalMs: 300,
      retry: { baseDelayMs: 10, maxDelayMs: 300 },
      leaseMs: 1000,
    });
    this.#client.on('mutation.rejected', (event) => this.rejected.set(event.id, event.code));
  }

  /** Close and reopen from the SQLite file, as after an app restart. */
  async restart(): Promise<void> {
    await this.#client?.close();
    this.restarts += 1;
    await this.open();
  }

  setOffline(offline: boolean): void {
    this.#offline = offline;
    this.#transport.setOffline(offline);
  }

  get offline(): boolean {
    return this.#offline;
  }

  async sell(rng: Prng): Promise<void> {
    const id = `${this.name}-${randomId(10)}`;
    const { mutationId } = await this.client.mutate('receipts.create', { id, items: randomItems(rng) as never, issuedAt: Date.now() });
    this.created.push({ id, kind: 'sale', mutationId, expectRejection: false });
  }

  /**
   * Take units of a product off stock, as a patch of the till's own view: tills do this concurrently
   * (offline too), and the products policy merges stock as a delta so no sale is lost.
   */
  async takeStock(rng: Prng, productKeys: readonly string[]): Promise<void> {
    const products = this.client.collection('products');
    const key = rng.pick([...productKeys]);
    const product = await products.get(key);
    if (product === undefined) return;
    const units = rng.int(1, 3);
    await products.patch(key, { stock: Number(product['stock']) - units });
    this.unitsSold += units;
  }

  /** Change a product's price (concurrent reprices resolve by last-writer-wins). */
  async reprice(rng: Prng, productKeys: readonly string[]): Promise<void> {
    await this.client.collection('products').patch(rng.pick([...productKeys]), { price: `${rng.int(1, 9)}.${rng.int(10, 99)}` });
  }

  /** Void one of this till's own sales (or, rarely, a receipt number that does not exist). */
  async voidOne(rng: Prng): Promise<void> {
    const voided = new Set(this.created.filter((d) => d.kind === 'void').map((d) => d.refersTo));
    const candidates = this.created.filter((d) => d.kind === 'sale' && !d.expectRejection && !voided.has(d.id));
    const bogus = candidates.length === 0 || rng.chance(0.1);
    const receiptId = bogus ? `${this.name}-unknown-${randomId(6)}` : rng.pick(candidates).id;
    const id = `${this.name}-void-${randomId(10)}`;
    const { mutationId } = await this.client.mutate('receipts.void', { id, receiptId, reason: 'customer return' });
    this.created.push({ id, kind: 'void', mutationId, refersTo: receiptId, expectRejection: bogus });
  }

  /** Outbox size, or 0 while the till is restarting. */
  async pending(): Promise<number> {
    return this.#client === undefined ? 0 : this.#client.pendingCount().catch(() => 0);
  }

  /** Sync until nothing is pending (faults may still be on, so a cycle can fail and be retried). */
  async drain(deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      try {
        await this.client.sync();
        if ((await this.client.pendingCount()) === 0) {
          await this.client.sync();
          return;
        }
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    throw new Error(`${this.name} did not drain its outbox before the deadline`);
  }

  async close(): Promise<void> {
    await this.#client?.close();
    this.#client = undefined;
  }
}
