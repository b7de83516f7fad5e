/**
 * The best-effort flush of a page that is going away (`pagehide`, or hidden and maybe never shown
 * again): one push of the oldest pending mutations with `fetch(…, { keepalive: true })`, the only kind
 * of request a browser lets outlive its page. Browsers cap the bodies of keepalive requests in flight
 * at 64 KiB per page (larger ones fail at once), so the request is cut to a prefix of the outbox that
 * fits, measured in UTF-8 bytes of the exact body sent — which is why it is sent uncompressed.
 *
 * The flush does not settle anything: the page may be gone before the answer arrives. The mutations
 * stay in the outbox, and the next cycle sends them again; the server recognises their ids and
 * answers with the stored outcomes (exactly-once), so a flush costs at most one resend. For the same
 * reason it does not wait for the leader lease (a page that is leaving cannot wait): a push beside the
 * leader's is still correct, only duplicated work.
 */
import type { SynclineClient } from '../core/client.js';
import { toWire, unsettledEntries } from '../core/outbox.js';
import type { Mutation, PushRequest } from '../protocol/wire.js';
import { PROTOCOL_VERSION } from '../protocol/wire.js';
import type { Store } from '../stores/store.js';
import type { TokenProvider } from '../transport/http-transport.js';
import { utf8ByteLength } from '../transport/utf8.js';

/** What browsers allow in flight for one page's keepalive request bodies, together. */
export const KEEPALIVE_MAX_BYTES = 64 * 1024;

/** The default flush budget: below the cap, leaving room for the app's own beacons. */
export const DEFAULT_FLUSH_MAX_BYTES = 60 * 1024;

/** Most mutations a flush reads (a body this size is far past the budget for any real mutation). */
const FLUSH_READ_LIMIT = 1000;

/**
 * The longest prefix of the pending mutations whose push request body is at most `maxBytes` bytes of
 * UTF-8 JSON; undefined when nothing is pending or not even the first mutation fits.
 */
export async function readFlushRequest(store: Store, clientId: string, maxBytes = DEFAULT_FLUSH_MAX_BYTES): Promise<{ request: PushRequest; bytes: number } | undefined> {
  const reads = await store.read((tx) => unsettledEntries(tx, FLUSH_READ_LIMIT));
  const mutations: Mutation[] = [];
  // The body is `{"v":1,"clientId":"…","mutations":[m1,m2,…]}`: the frame plus each mutation and its comma.
  let bytes = utf8ByteLength(JSON.stringify({ v: PROTOCOL_VERSION, clientId, mutations: [] }));
  for (const read of reads) {
    if (!read.ok) break; // the next cycle's validate phase deals with it; a flush just stops before it
    const wire = toWire(read.entry);
    const size = utf8ByteLength(JSON.stringify(wire)) + (mutations.length === 0 ? 0 : 1);
    if (bytes + size > maxBytes) break;
    bytes += size;
    mutations.push(wire);
  }
  if (mutations.length === 0) return undefined;
  return { request: { v: PROTOCOL_VERSION, clientId, mutations }, bytes };
}

/** Where and how the flush sends: the same server URL, token and headers as the app's HTTP transport. */
export interface FlushTarget {
  /** Server base URL, as for `createHttpTransport`. */
  url: string;
  /** Bearer token, or a function that supplies it (asked when the flush is prepared, not when sent). */
  token?: string | TokenProvider;
  headers?: Record<string, string>;
  /** Body budget in bytes, at most 64 KiB. Default 60 KiB. */
  maxBytes?: number;
  /** The fetch to use. Default `globalThis.fetch`. */
  fetch?: (url: string, init: RequestInit) => Promise<unknown>;
}

interface ReadyFlush {
  body: string;
  headers: Record<string, string>;
  count: number;
}

/**
 * A flush prepared ahead and sent synchronously. A page that is leaving gets no more tasks, so the
 * IndexedDB read (and a token function's await) cannot happen in `pagehide`: the request is built
 * while the page lives — after writes and cycles — and `send()` only starts the keepalive fetch.
 */
export class PreparedFlush {
  readonly #client: SynclineClient;
  readonly #target: FlushTarget;
  #ready: ReadyFlush | undefined;
  #preparing: Promise<void> | undefined;
  #again = false;

  constructor(client: SynclineClient, target: FlushTarget) {
    this.#client = client;
    this.#target = target;
  }

  /** Read the outbox's head again (coalesced: a call during a read makes one more read after it). */
  prepare(): Promise<void> {
    if (this.#preparing !== undefined) {
      this.#again = true;
      return this.#preparing;
    }
    this.#preparing = (async () => {
      try {
        do {
          this.#again = false;
          this.#ready = await this.#build();
        } while (this.#again);
      } finally {
        this.#preparing = undefined;
      }
    })();
    return this.#preparing;
  }

  /** Start the keepalive push of what was prepared (synchronously); returns how many mutations it carries. */
  send(): number {
    const ready = this.#ready;
    if (ready === undefined) return 0;
    this.#ready = undefined; // sent once; the next prepare() reads the outbox again
    const fetchImpl = this.#target.fetch ?? ((url: string, init: RequestInit) => globalThis.fetch(url, init));
    const url = `${this.#target.url.replace(/\/+$/, '')}/v1/push`;
    // Nobody may be left to read the answer: the next cycle resends and learns the stored outcomes.
    try {
      void Promise.resolve(fetchImpl(url, { method: 'POST', keepalive: true, headers: ready.headers, body: ready.body })).catch(() => undefined);
    } catch {
      // A fetch that throws synchronously (a body over the keepalive quota in some browsers): best effort.
    }
    return ready.count;
  }

  async #build(): Promise<ReadyFlush | undefined> {
    const maxBytes = Math.min(this.#target.maxBytes ?? DEFAULT_FLUSH_MAX_BYTES, KEEPALIVE_MAX_BYTES);
    const flush = await readFlushRequest(this.#client.store, this.#client.clientId, maxBytes);
    if (flush === undefined) return undefined;
    const token = typeof this.#target.token === 'function' ? await this.#target.token({ reason: 'initial' }) : this.#target.token;
    const headers = { 'content-type': 'application/json', accept: 'application/json', ...this.#target.headers, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) };
    return { body: JSON.stringify(flush.request), headers, count: flush.request.mutations.length };
  }
}

/** Prepare and send one flush now; resolves with how many mutations it carries (0: nothing pending). */
export async function flushOutbox(client: SynclineClient, target: FlushTarget): Promise<number> {
  const flush = new PreparedFlush(client, target);
  await flush.prepare();
  return flush.send();
}
