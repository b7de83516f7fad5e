/**
 * Install ids: how the server tells a device whose local store was wiped from a new device.
 *
 * A client's id lives in its local store, so a wiped store (the browser evicted IndexedDB, the user
 * cleared site data, an app reinstall) comes back as a brand-new client, and the mutations the old
 * one had queued but not pushed are gone without a trace. The app can keep a second id *outside* the
 * store (localStorage, a cookie, secure storage) and send it as `installId`. Per scope and install id
 * the server remembers the current client id and when it was last seen; when a client the server has
 * accepted no mutation from shows up under an install id whose current client had some, that earlier
 * client becomes the install's `previous` and every response to the new client carries it
 * (`previousInstall`), so the client can report `storage.lost` with the server's numbers.
 *
 * A client that already has accepted mutations never replaces the current one as a loss: two local
 * databases sharing one install id (an app should give each its own) would otherwise report each
 * other. Keyed by scope, so an install id never reveals anything about another scope's clients.
 */
import type { Kysely, Migration } from 'kysely';
import type { PreviousInstall } from '../protocol/wire.js';
import { toInt, type ServerDatabase } from './schema.js';
import { readClient } from './storage.js';

export interface InstallIdsTable {
  scope: string;
  install_id: string;
  /** The client id last seen with this install id. */
  client_id: string;
  /** Server clock (epoch ms), refreshed at most every SEEN_RESOLUTION_MS. */
  last_seen_at: number;
  /** The client whose store was lost, with what the server had accepted from it (all null: none). */
  previous_client_id: string | null;
  previous_last_mutation_id: number | null;
  previous_seen_at: number | null;
}

// Migration 0009_install_ids.
export const installIdsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('install_ids')
      .addColumn('scope', 'varchar(256)', (c) => c.notNull())
      .addColumn('install_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('client_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('previous_client_id', 'varchar(64)')
      .addColumn('previous_last_mutation_id', 'bigint')
      .addColumn('previous_seen_at', 'bigint')
      .addPrimaryKeyConstraint('install_ids_pk', ['scope', 'install_id'])
      .execute();
  },
};

/** A pull is a read: refreshing `last_seen_at` on every one would turn each into a write. */
export const SEEN_RESOLUTION_MS = 60_000;

type Db = Kysely<ServerDatabase>;

/**
 * Record that `clientId` made a request in `scope` with `installId`, and return the install's lost
 * previous client, if any, for the response. Runs after the request's own work succeeded.
 */
export async function noteInstall(db: Db, scope: string, installId: string, clientId: string, now: number): Promise<PreviousInstall | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('install_ids').selectAll().where('scope', '=', scope).where('install_id', '=', installId).executeTakeFirst();
    if (row === undefined) {
      // Two first requests at once: both insert the same thing, the second one's is simply dropped.
      await trx
        .insertInto('install_ids')
        .values({ scope, install_id: installId, client_id: clientId, last_seen_at: now, previous_client_id: null, previous_last_mutation_id: null, previous_seen_at: null })
        .onConflict((oc) => oc.columns(['scope', 'install_id']).doNothing())
        .execute();
      return undefined;
    }
    const recorded = previousOf(row);
    if (row.client_id === clientId) {
      if (now - toInt(row.last_seen_at) >= SEEN_RESOLUTION_MS) {
        await trx.updateTable('install_ids').set({ last_seen_at: now }).where('scope', '=', scope).where('install_id', '=', installId).execute();
      }
      return recorded;
    }
    const requester = await readClient(trx, clientId);
    const requesterIsNew = requester === undefined || requester.lastMutationId === 0;
    const current = await readClient(trx, row.client_id);
    const currentWrote = current !== undefined && current.scope === scope && current.lastMutationId > 0;
    // A new client after one that had written: that one's store is gone. Otherwise keep the older loss.
    const previous = requesterIsNew && currentWrote
      ? { clientId: row.client_id, lastMutationId: current.lastMutationId, lastSeenAt: toInt(row.last_seen_at) }
      : requesterIsNew ? recorded : undefined;
    await trx
      .updateTable('install_ids')
      .set({
        client_id: clientId,
        last_seen_at: now,
        previous_client_id: previous?.clientId ?? null,
        previous_last_mutation_id: previous?.lastMutationId ?? null,
        previous_seen_at: previous?.lastSeenAt ?? null,
      })
      .where('scope', '=', scope)
      .where('install_id', '=', installId)
      .execute();
    return previous;
  });
}

function previousOf(row: Pick<InstallIdsTable, 'previous_client_id' | 'previous_last_mutation_id' | 'previous_seen_at'>): PreviousInstall | undefined {
  if (row.previous_client_id === null) return undefined;
  return { clientId: row.previous_client_id, lastMutationId: toInt(row.previous_last_mutation_id), lastSeenAt: toInt(row.previous_seen_at) };
}

/** The response with the install's lost client attached (unchanged without an install id). */
export async function withPreviousInstall<R extends object>(
  db: Db,
  scope: string,
  request: { clientId: string; installId?: string | undefined },
  response: R,
  now: number,
): Promise<R & { previousInstall?: PreviousInstall }> {
  if (request.installId === undefined) return response;
  const previous = await noteInstall(db, scope, request.installId, request.clientId, now);
  return previous === undefined ? response : { ...response, previousInstall: previous };
}
