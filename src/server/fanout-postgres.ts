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
 *
 * Presence (which devices are connected where; see fanout-presence.ts) rides on a second channel,
 * `<channel>_peers`, over the same connection, so an instance that does not know it (an older
 * version during a rolling upgrade) never sees a payload it cannot read on the scope channel.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { z } from 'zod';
import { InvalidArgumentError } from '../core/errors.js';
import { silentLogger } from '../core/seams.js';
import type { Logger } from '../core/seams.js';
import type { PresenceMessage, ScopeChange, ScopeChangeListener, ScopeFanout } from './fanout.js';
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

/**
 * Presence payload on `<channel>_peers`, version history:
 *  - 1: `{ v, origin, m }`, m a PresenceMessage (fanout.ts). One message per notification: a peer is
 *    ~250 bytes, far below NOTIFY's 8000-byte payload limit, and a scope may have many peers.
 */
const PRESENCE_VERSION = 1;
const count = z.number().int().nonnegative();
const presencePayload = z.object({
  v: z.literal(PRESENCE_VERSION),
  origin: z.string(),
  m: z.discriminatedUnion('type', [
    z.object({
      type: z.literal('peer'),
      scope: z.string(),
      key: z.string().max(64),
      peer: z.object({ clientId: z.string().max(64), connectedAt: count, cursor: count, pendingCount: count, oldestPendingAgeMs: count.nullable(), reportedAt: count }).nullable(),
    }),
    z.object({ type: z.literal('hello') }),
    z.object({ type: z.literal('bye') }),
  ]),
});
/** Presence messages queued while the connection is down, at most; the heartbeat refresh restores the rest. */
const MAX_QUEUED_PRESENCE = 10_000;

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
  const peersChannel = `${channel.slice(0, 57)}_peers`;
  const pending = new Map<string, number>();
  let outgoingPresence: string[] = [];
  let presenceListener: { deliver: (origin: string, message: PresenceMessage) => void; connected: () => void } | undefined;
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

  const receivePresence = (raw: string | undefined): void => {
    let parsed: z.infer<typeof presencePayload>;
    try {
      parsed = presencePayload.parse(JSON.parse(raw ?? ''));
    } catch (error) {
      logger.warn('server: ignored an unreadable presence notification', { channel: peersChannel, error: String(error) });
      return;
    }
    if (parsed.origin !== origin) presenceListener?.deliver(parsed.origin, parsed.m);
  };

  const connect = async (): Promise<void> => {
    const pg = await loadPg();
    const next = new pg.Client({ connectionString: options.url, application_name: options.applicationName ?? APPLICATION_NAME });
    next.on('notification', (message) => {
      if (message.channel === channel) receive(message.payload);
      else if (message.channel === peersChannel) receivePresence(message.payload);
    });
    next.on('error', (error) => lost(next, error));
    next.on('end', () => lost(next, new Error('connection ended')));
    try {
      await next.connect();
      await next.query(`LISTEN ${channel}`);
      await next.query(`LISTEN ${peersChannel}`);
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
    presenceListener?.connected();
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
      while ((pending.size > 0 || outgoingPresence.length > 0) && client !== undefined) {
        const payloads = [...pending].map(([scope, version]) => JSON.stringify({ v: PAYLOAD_VERSION, origin, scope, version }));
        pending.clear();
        const presence = outgoingPresence;
        outgoingPresence = [];
        try {
          if (payloads.length > 0) await client.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [channel, payloads]);
          if (presence.length > 0) await client.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [peersChannel, presence]);
        } catch (error) {
          logger.warn('server: could not publish scope changes', { count: payloads.length + presence.length, error: String(error) });
        }
      }
    })().finally(() => {
      flushing = undefined;
      // A publish that landed after the loop ended but before this callback would otherwise wait.
      if ((pending.size > 0 || outgoingPresence.length > 0) && client !== undefined) flush();
    });
  };

  const presence = {
    listen(deliver: (origin: string, message: PresenceMessage) => void, connected: () => void) {
      const entry = { deliver, connected };
      presenceListener = entry;
      if (client !== undefined) connected();
      return () => {
        if (presenceListener === entry) presenceListener = undefined;
      };
    },
    send(messages: readonly PresenceMessage[]) {
      if (closed) return;
      outgoingPresence.push(...messages.map((m) => JSON.stringify({ v: PRESENCE_VERSION, origin, m })));
      if (outgoingPresence.length > MAX_QUEUED_PRESENCE) outgoingPresence = outgoingPresence.slice(-MAX_QUEUED_PRESENCE);
      flush();
    },
  };

  return {
    async start(listener, onResumed) {
      deliver = listener;
      resumed = onResumed;
      await connect();
    },
    presence,
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
