/**
 * The HTTP transport: JSON over `fetch` to a syncline server (`POST /v1/push`, `POST /v1/pull`,
 * `GET /v1/health`). Platform-neutral: it needs only `fetch`, `Request`, `Response`, `Headers` and
 * `AbortController`, which browsers, React Native and Node 18+ all have.
 */
import { AbortedError, InvalidArgumentError, ProtocolError, ResponseTooLargeError, ServerError, SynclineError } from '../core/errors.js';
import { systemTimers, type Timers } from '../core/seams.js';
import type { Shape } from '../protocol/shape.js';
import { describeIssues, healthResponse, pullResponse, pushResponse } from '../protocol/wire.js';
import type { HealthResponse, PullRequest, PullResponse, PushRequest, PushResponse } from '../protocol/wire.js';
import { closedTransportError, failureError, serverErrorFromResponse, type ReadResponse } from './http-errors.js';
import { gzipText } from './gzip.js';
import { readResponseBody, type BodyLimit } from './read-body.js';
import { startDeadline, type Deadline } from './request-deadline.js';
import type { RequestOptions, Transport, TransportStats } from './transport.js';
import { utf8ByteLength } from './utf8.js';

/**
 * Supplies the bearer token. Called with `initial` before every request (cache inside it if
 * fetching a token is costly) and with `refresh` once after a 401, after which the request is
 * sent again with the new token.
 */
export type TokenProvider = (context: { reason: 'initial' | 'refresh' }) => string | Promise<string>;

export interface HttpTransportOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8787`; endpoints live under `<url>/v1/`. */
  url: string;
  /** Bearer token sent as `Authorization: Bearer <token>`, or a function that supplies it. */
  token?: string | TokenProvider;
  /**
   * The fetch to use; defaults to `globalThis.fetch` (looked up at call time, so polyfills work).
   * @example createHttpTransport({ url: 'http://test', fetch: (request) => server.fetch(request) })
   */
  fetch?: (request: Request) => Promise<Response>;
  /** Extra headers for every request (e.g. a tenant id). */
  headers?: Record<string, string>;
  /** Default per-request deadline in ms, response body included. Default 30 000. */
  timeoutMs?: number;
  /**
   * Largest response body accepted, in bytes after gzip decoding; a larger one is cancelled while
   * streaming and fails with `ResponseTooLargeError`. `Infinity` for no limit. Default 64 MiB.
   */
  maxResponseBytes?: number;
  /** Timer seam for the deadline. Default `systemTimers`. */
  timers?: Timers;
  /** gzip of request bodies and responses; both on by default. */
  compression?: HttpCompressionOptions;
}

export interface HttpCompressionOptions {
  /**
   * Compress request bodies of at least `thresholdBytes` (the server must accept
   * `Content-Encoding: gzip`, as syncline's does since protocol v1). A function is asked per
   * request, e.g. `() => planner.shouldCompress()`. Default true: a 10k-mutation push is ~8× smaller.
   * Set false for a server or proxy that refuses gzip request bodies.
   */
  requests?: boolean | (() => boolean);
  /** Smallest request body worth compressing, in bytes. Default 1024. */
  thresholdBytes?: number;
  /** Ask for gzip responses (`Accept-Encoding: gzip`; false sends `identity`). Browsers send their own header and ignore this. Default true. */
  responses?: boolean;
}

type Endpoint = 'push' | 'pull' | 'health';

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export function createHttpTransport(options: HttpTransportOptions): Transport {
  return new HttpTransport(options);
}

class HttpTransport implements Transport {
  readonly #baseUrl: string;
  readonly #options: HttpTransportOptions;
  readonly #timers: Timers;
  readonly #lifetime = new AbortController();
  readonly #stats: TransportStats = { requests: 0, bytesSent: 0, bytesReceived: 0 };
  /** The latest refresh and the token it replaced: one refresh per expiry, shared by every request refused with that token. */
  #lastRefresh: { from: string | undefined; to: Promise<string | undefined> } | undefined;
  /** The token the server refused even right after a refresh; not sent again (no 401 storms). */
  #refused: string | undefined;

  constructor(options: HttpTransportOptions) {
    this.#baseUrl = validateBaseUrl(options.url);
    validateTimeout(options.timeoutMs, 'timeoutMs');
    validateMaxResponseBytes(options.maxResponseBytes);
    this.#options = options;
    this.#timers = options.timers ?? systemTimers;
  }

  push(request: PushRequest, options?: RequestOptions): Promise<PushResponse> {
    return this.#call('push', JSON.stringify(request), pushResponse, options);
  }

  pull(request: PullRequest, options?: RequestOptions): Promise<PullResponse> {
    return this.#call('pull', JSON.stringify(request), pullResponse, options);
  }

  health(options?: RequestOptions): Promise<HealthResponse> {
    return this.#call('health', undefined, healthResponse, options);
  }

  stats(): TransportStats {
    return { ...this.#stats };
  }

  /**
   * False when the app configured an empty token, or the token the server refused right after a
   * refresh is still the current one: sending would only be refused again.
   */
  async hasCredentials(): Promise<boolean> {
    const token = this.#options.token;
    if (token === undefined) return true; // no bearer auth configured: the server decides (cookies, mTLS, open)
    if (typeof token === 'string') return token.length > 0;
    const current = await this.#token('initial').catch(() => undefined);
    return current !== undefined && current.length > 0 && current !== this.#refused;
  }

  /** Cancels requests in flight (they reject with AbortedError) and refuses new ones. */
  async close(): Promise<void> {
    this.#lifetime.abort(new Error('transport closed'));
  }

  async #call<T>(endpoint: Endpoint, body: string | undefined, schema: Shape<T>, options: RequestOptions = {}): Promise<T> {
    const what = `The ${endpoint} request`;
    if (this.#lifetime.signal.aborted) throw closedTransportError(what);
    if (options.signal?.aborted) throw new AbortedError(`${what} was aborted by the caller.`, { cause: options.signal.reason });
    validateTimeout(options.timeoutMs, 'RequestOptions.timeoutMs');
    const url = `${this.#baseUrl}/v1/${endpoint}`;
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = startDeadline({ caller: options.signal, lifetime: this.#lifetime.signal, timers: this.#timers, timeoutMs });
    try {
      let response = await this.#exchange(url, body, 'initial', deadline);
      if (response.status === 401 && typeof this.#options.token === 'function') {
        response = await this.#exchange(url, body, 'refresh', deadline, response.token);
      }
      return parseSuccess(what, response, schema);
    } catch (error) {
      throw failureError(what, url, error, deadline.stopReason(), timeoutMs);
    } finally {
      deadline.dispose();
    }
  }

  /** One HTTP round trip; the response body is read to the end, or cancelled, so the socket is released. */
  async #exchange(url: string, body: string | undefined, reason: 'initial' | 'refresh', deadline: Deadline, failed?: string): Promise<ReadResponse & { token: string | undefined }> {
    const token = await deadline.race(reason === 'refresh' ? this.#refreshedToken(failed) : this.#token(reason));
    if (token !== undefined && token === this.#refused) throw refusedTokenError();
    const payload = body === undefined ? undefined : await this.#encodeBody(body);
    const request = new Request(url, {
      method: body === undefined ? 'GET' : 'POST',
      headers: this.#headers(token, payload),
      ...(payload === undefined ? {} : { body: payload.data as BodyInit }),
      signal: deadline.signal,
    });
    this.#stats.requests += 1;
    this.#stats.bytesSent += payload?.wireBytes ?? 0;
    const fetchImpl = this.#options.fetch ?? ((r: Request) => globalThis.fetch(r));
    const response = await fetchImpl(request);
    // A fetch that ignores the signal (a plug-in) must not hold the caller past the deadline.
    const { text, wireBytes } = await deadline.race(readResponseBody(response, this.#bodyLimit(url)));
    this.#stats.bytesReceived += wireBytes;
    if (reason === 'refresh' && response.status === 401 && typeof this.#options.token === 'function') this.#refused = token;
    return { status: response.status, statusText: response.statusText, headers: response.headers, text, token };
  }

  #bodyLimit(url: string): BodyLimit {
    const maxBytes = this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    return { maxBytes, tooLarge: () => responseTooLargeError(url, maxBytes) };
  }

  /** The body as sent: gzip when enabled and large enough, else the JSON text. */
  async #encodeBody(body: string): Promise<{ data: string | Uint8Array; gzip: boolean; wireBytes: number }> {
    const wanted = this.#options.compression?.requests;
    const enabled = typeof wanted === 'function' ? wanted() : wanted !== false;
    const threshold = this.#options.compression?.thresholdBytes ?? 1024;
    // Every UTF-16 unit takes at least one byte of UTF-8, so a body this long is past the threshold
    // without counting its bytes (a 10k push spent ~16 ms doing that).
    if (enabled && body.length >= threshold) return this.#gzipBody(body);
    const size = utf8ByteLength(body);
    if (!enabled || size < threshold) return { data: body, gzip: false, wireBytes: size };
    return this.#gzipBody(body);
  }

  async #gzipBody(body: string): Promise<{ data: Uint8Array; gzip: boolean; wireBytes: number }> {
    const data = await gzipText(body);
    return { data, gzip: true, wireBytes: data.byteLength };
  }

  /**
   * A fresh token for a request refused with `failed`. Requests that were refused with the same old
   * token share one refresh, and one that arrives after a refresh already replaced it reuses the
   * result, so an expiry costs exactly one refresh however many requests were in flight.
   */
  #refreshedToken(failed: string | undefined): Promise<string | undefined> {
    const last = this.#lastRefresh;
    if (last !== undefined && last.from === failed) return last.to;
    const refresh = { from: failed, to: this.#token('refresh') };
    this.#lastRefresh = refresh;
    // A failed refresh is not remembered: the next 401 may try again.
    refresh.to.catch(() => {
      if (this.#lastRefresh === refresh) this.#lastRefresh = undefined;
    });
    return refresh.to;
  }

  async #token(reason: 'initial' | 'refresh'): Promise<string | undefined> {
    const token = this.#options.token;
    if (typeof token !== 'function') return token;
    try {
      return await token({ reason });
    } catch (error) {
      throw new SynclineError('unauthenticated', `The token function failed (reason: ${reason}): ${error instanceof Error ? error.message : String(error)}. Sync retries later.`, { cause: error, retryable: true });
    }
  }

  #headers(token: string | undefined, payload: { gzip: boolean } | undefined): Record<string, string> {
    return {
      accept: 'application/json',
      // 'identity' explicitly: Node's fetch would otherwise ask for gzip on its own.
      'accept-encoding': this.#options.compression?.responses === false ? 'identity' : 'gzip',
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      ...(payload?.gzip === true ? { 'content-encoding': 'gzip' } : {}),
      ...this.#options.headers,
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    };
  }
}

function refusedTokenError(): ServerError {
  return new ServerError(401, 'unauthenticated', 'Not sent: the server refused this token even after a refresh, and the token function still returns it. Supply new credentials, then call client.requestSync().', { retryable: false });
}

function responseTooLargeError(url: string, maxBytes: number): ResponseTooLargeError {
  return new ResponseTooLargeError(
    `The response from ${url} decoded to more than maxResponseBytes (${maxBytes} bytes), so reading stopped there. For pulls, lower the client's pullPageSize so pages get smaller; if responses this large are expected, raise HttpTransportOptions.maxResponseBytes.`,
    { limitBytes: maxBytes, details: { url } },
  );
}

function parseSuccess<T>(what: string, response: ReadResponse, schema: Shape<T>): T {
  if (response.status < 200 || response.status > 299) throw serverErrorFromResponse(what, response);
  let json: unknown;
  try {
    json = JSON.parse(response.text);
  } catch (error) {
    throw new ProtocolError(`${what} got HTTP ${response.status} with a body that is not JSON. Is the URL pointing at a syncline server?`, { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ProtocolError(`${what} got a response that does not match the protocol: ${describeIssues(parsed.error)}. Client and server may speak different protocol versions; upgrade the older one.`, { cause: parsed.error });
  }
  return parsed.data;
}

function validateBaseUrl(url: string): string {
  if (!/^https?:\/\/[^/]/i.test(url)) {
    throw new InvalidArgumentError(`HttpTransportOptions.url must be an absolute http(s) URL such as "http://127.0.0.1:8787", got ${JSON.stringify(url)}.`);
  }
  // String joining rather than `new URL(path, base)`: keeps a path prefix (/api) and React Native's partial URL.
  return url.replace(/\/+$/, '');
}

function validateMaxResponseBytes(maxBytes: number | undefined): void {
  if (maxBytes !== undefined && !(maxBytes > 0)) {
    throw new InvalidArgumentError(`HttpTransportOptions.maxResponseBytes must be a positive number of bytes (Infinity for none), got ${String(maxBytes)}.`);
  }
}

function validateTimeout(timeoutMs: number | undefined, name: string): void {
  if (timeoutMs !== undefined && !(timeoutMs > 0)) {
    throw new InvalidArgumentError(`${name} must be a positive number of milliseconds (Infinity for none), got ${String(timeoutMs)}.`);
  }
}
