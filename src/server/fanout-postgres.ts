/**
 * POSTGRESQL-ONLY. Scope changes between server instances through LISTEN/NOTIFY, on one dedicated
 * connection per instance (a pooled connection cannot LISTEN: the pool would hand it to a query).
 *
 * Changes are published *after* their commit, coalesced per scope (highest version wins) and sent in
 * one `pg_notify` round trip per burst, so a busy instance sends far fewer notifications than it
 * commits mutations, and NOTIFY's commit-time queue lock never sits inside a push transaction.
 * The price: a crash between commit and publish loses that poke; it is a hint, and clients also pull
 * on their own schedule. Notifications sent while this instance's connection is down are lost too;
 * once it listens again it calls the server's `resumed` callback, which re-announces the current
 * version of every scope with subscribers here.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { z } from 'zod';
import { InvalidArgumentError } from '../core/errors.js';
import { silentLogger } from '../core/seams.js';
import type { Logger } from '../core/seams.js';
import type { ScopeChange, ScopeChangeListener, ScopeFanout } from './fanout.js';
import { loadPg } from './postgres-dialect.js';

/**
 * Notification payload, version history:
 *  - 1: `{ v, origin, scope, version }`; origin is the sending instance, so it can skip its own.
 */
const PAYLOAD_VERSION = 1;
const notificationPayload = z.object({
  v: z.literal(PAYLOAD_VERSION),
  origin: z.string(),
  scope: z.string(),
  version: z.number().int().nonnegative(),
});

const DEFAULT_CHANNEL = 'syncline_scope_changed';
const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const RECONNECT_DELAYS_MS = [100, 500, 2000, 5000];
/** Shown in pg_stat_activity, so operators can tell the listening connections apart. */
export const APPLICATION_NAME = 'syncline-fanout';

export interface PostgresFanoutOptions {
  /** Connection URL of the database the server instances share. */
  url: string;
  /** Notification channel, a lower-case identifier; every instance on one database must use the same. Default 'syncline_scope_changed'. */
  channel?: string;
  /** `application_name` of the listening connection, to tell instances apart in pg_stat_activity. Default 'syncline-fanout'. */
  applicationName?: string;
  logger?: Logger;
}

export function createPostgresFanout(options: PostgresFanoutOptions): ScopeFanout {
  const channel = options.channel ?? DEFAULT_CHANNEL;
  if (!CHANNEL_NAME.test(channel)) {
    throw new InvalidArgumentError(`channel: expected a lower-case identifier like "${DEFAULT_CHANNEL}", got "${channel}".`);
  }
  const logger = options.logger ?? silentLogger;
  const origin = randomUUID();
  const pending = new Map<string, number>();
  let client: Client | undefined;
  let deliver: ScopeChangeListener | undefined;
  let resumed: (() => void) | undefined;
  let connectedBefore = false;
  let flushing: Promise<void> | undefined;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let closed = false;

  const receive = (raw: string | undefined): void => {
    let parsed: z.infer<typeof notificationPayload>;
    try {
      parsed = notificationPayload.parse(JSON.parse(raw ?? ''));
    } catch (error) {
      logger.warn('server: ignored an unreadable scope notification', { channel, error: String(error) });
      return;
    }
    if (parsed.origin !== origin) deliver?.({ scope: parsed.scope, version: parsed.version });
  };

  const connect = async (): Promise<void> => {
    const pg = await loadPg();
    const next = new pg.Client({ connectionString: options.url, application_name: options.applicationName ?? APPLICATION_NAME });
    next.on('notification', (message) => {
      if (message.channel === channel) receive(message.payload);
    });
    next.on('error', (error) => lost(next, error));
    next.on('end', () => lost(next, new Error('connection ended')));
    try {
      await next.connect();
      await next.query(`LISTEN ${channel}`);
    } catch (error) {
      // A half-open client would keep a socket (and the process) alive.
      await next.end().catch(() => {});
      throw error;
    }
    if (closed) {
      await next.end();
      return;
    }
    client = next;
    failures = 0;
    flush();
    // Only now, with LISTEN active, is every commit either notified or visible to a fresh read.
    if (connectedBefore) resumed?.();
    connectedBefore = true;
  };

  const lost = (which: Client, error: Error): void => {
    if (client !== which || closed) return;
    client = undefined;
    which.end().catch(() => {});
    logger.warn('server: scope notification connection lost; reconnecting', { error: error.message });
    scheduleReconnect();
  };

  const scheduleReconnect = (): void => {
    const delay = RECONNECT_DELAYS_MS[Math.min(failures, RECONNECT_DELAYS_MS.length - 1)] ?? 5000;
    failures += 1;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      if (closed) return;
      connect().catch((error: unknown) => {
        logger.warn('server: scope notification reconnect failed', { error: String(error) });
        scheduleReconnect();
      });
    }, delay);
    reconnectTimer.unref?.();
  };

  /** Send everything pending, one round trip per burst; at most one flush runs at a time. */
  const flush = (): void => {
    flushing ??= (async () => {
      while (pending.size > 0 && client !== undefined) {
        const payloads = [...pending].map(([scope, version]) => JSON.stringify({ v: PAYLOAD_VERSION, origin, scope, version }));
        pending.clear();
        try {
          await client.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [channel, payloads]);
        } catch (error) {
          logger.warn('server: could not publish scope changes', { count: payloads.length, error: String(error) });
        }
      }
    })().finally(() => {
      flushing = undefined;
      // A publish that landed after the loop ended but before this callback would otherwise wait.
      if (pending.size > 0 && client !== undefined) flush();
    });
  };

  return {
    async start(listener, onResumed) {
      deliver = listener;
      resumed = onResumed;
      await connect();
    },
    publish(change: ScopeChange) {
      if (closed) return;
      pending.set(change.scope, Math.max(change.version, pending.get(change.scope) ?? 0));
      flush();
    },
    async close() {
      if (closed) return;
      // Let the last burst go out: another instance's clients are waiting for it.
      await flushing;
      closed = true;
      deliver = undefined;
      resumed = undefined;
      if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
      const last = client;
      client = undefined;
      await last?.end().catch(() => {});
    },
  };
}
