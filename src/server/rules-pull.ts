/**
 * Read rules on the pull (src/server/rules.ts): a page keeps only what the caller may read, and the
 * digests of read-ruled collections describe the caller's view, not the scope.
 *
 * Why the digest and not a removal list: a pull is cursor-based, so a record that left the caller's
 * view without a new version (its role changed) can never be named by a later page. The client's
 * verify compares its confirmed records with the digests of the last page; with a digest of exactly
 * what the caller may read, any difference — a record that left the view (role revoked, record
 * changed so the rule denies it) or entered it (role granted) — is a mismatch, and the existing
 * repair re-pulls that collection from cursor 0 and deletes what the server did not send. No other
 * wire change, and nothing about an unreadable record (not even its key) is sent. Tombstones are
 * still sent: they carry no value, and without them every deletion would cost a repair.
 *
 * The view digest needs every live record of the collection read and judged: O(records) per last
 * page. It is cached per (scope, collection, stored digest, caller), so a quiet collection costs one
 * scan per caller identity; any write changes the stored digest and so the key.
 */
import type { Kysely } from 'kysely';
import type { JsonObject } from '../protocol/json.js';
import { addHash, emptyLanes, toDigest, type CollectionDigest, type DigestLanes } from '../protocol/digest.js';
import { liveContribution } from './digest-storage.js';
import type { CompiledRules } from './rules.js';
import type { RecordRow, ServerDatabase } from './schema.js';
import type { MutationCaller, RuleChecks } from './types.js';

/** The caller a pull answers, with its rules. */
export interface PullView {
  rules: CompiledRules;
  checks: RuleChecks;
  /** Identifies the caller for the digest cache: the rules' whole input besides the record. */
  callerKey: string;
  cache: ViewDigestCache;
}

export function pullView(rules: CompiledRules, caller: MutationCaller | undefined, cache: ViewDigestCache): PullView | undefined {
  if (!rules.readsFiltered) return undefined;
  return { rules, checks: rules.forCaller(caller), callerKey: JSON.stringify([caller?.subject ?? null, caller?.roles ?? [], caller?.claims ?? null]), cache };
}

/** The page without the live records of read-ruled collections the caller may not read. */
export function readableRows(rows: RecordRow[], view: PullView | undefined): RecordRow[] {
  if (view === undefined) return rows;
  return rows.filter((row) => {
    if (row.deleted !== 0 || row.value === null || !view.rules.readRuled(row.collection)) return true;
    return view.checks.canRead(row.collection, row.key, JSON.parse(row.value) as JsonObject);
  });
}

/** `digests` (the scope's) with each read-ruled collection's replaced by the caller's view of it. */
export async function viewDigests(
  trx: Kysely<ServerDatabase>,
  scope: string,
  digests: Record<string, CollectionDigest>,
  view: PullView | undefined,
): Promise<Record<string, CollectionDigest>> {
  if (view === undefined) return digests;
  const out: Record<string, CollectionDigest> = {};
  for (const [collection, stored] of Object.entries(digests)) {
    if (!view.rules.readRuled(collection)) {
      out[collection] = stored;
      continue;
    }
    const key = [scope, collection, stored.count, stored.digest, view.callerKey].join('\u0000');
    let digest = view.cache.get(key);
    if (digest === undefined) {
      digest = await scanView(trx, scope, collection, view.checks);
      view.cache.set(key, digest);
    }
    // An empty view is no digest, as an empty collection is none (the client holds nothing there).
    if (digest !== null) out[collection] = digest;
  }
  return out;
}

const SCAN_CHUNK = 5000;

/** The digest of the collection's live records the caller may read (null when there are none). */
async function scanView(trx: Kysely<ServerDatabase>, scope: string, collection: string, checks: RuleChecks): Promise<CollectionDigest | null> {
  let lanes: DigestLanes = emptyLanes();
  let after: string | undefined;
  for (;;) {
    let query = trx
      .selectFrom('records')
      .select(['collection', 'key', 'value', 'version', 'deleted', 'digest_hash'])
      .where('scope', '=', scope)
      .where('collection', '=', collection)
      .where('deleted', '=', 0);
    if (after !== undefined) query = query.where('key', '>', after);
    const rows = await query.orderBy('key').limit(SCAN_CHUNK).execute();
    for (const row of rows) {
      if (row.value === null || !checks.canRead(collection, row.key, JSON.parse(row.value) as JsonObject)) continue;
      const hash = liveContribution(row);
      if (hash !== undefined) lanes = addHash(lanes, hash, 1);
    }
    const last = rows.at(-1);
    if (rows.length < SCAN_CHUNK || last === undefined) break;
    after = last.key;
  }
  return lanes.count === 0 ? null : toDigest(lanes);
}

/** A bounded map of view digests (oldest entry evicted first); one per server. */
export class ViewDigestCache {
  readonly #entries = new Map<string, CollectionDigest | null>();

  constructor(readonly maxEntries = 1024) {}

  get(key: string): CollectionDigest | null | undefined {
    return this.#entries.get(key);
  }

  set(key: string, digest: CollectionDigest | null): void {
    this.#entries.delete(key);
    this.#entries.set(key, digest);
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }
}
