/**
 * The in-memory state of one set-based run of generic writes (src/server/generic-run.ts), common to
 * both backends: the run's records and clocks as loaded, the digest lanes of their collections, the
 * scope's version and conflict counter. Reads and writes are served from here, in the order the
 * mutations run, so each one sees the effects of those before it — what the per-mutation path reads
 * back from the database. What changed is handed to the backend's flush (postgres-run-storage.ts,
 * sqlite-run-storage.ts) by `pending()`.
 *
 * Nothing else in the transaction touches these rows while the run is in memory: the run runs under
 * the scope lock, between the statements of its own slice.
 */
import type { ConflictRecord } from '../protocol/wire.js';
import type { JsonObject } from '../protocol/json.js';
import { addHash, emptyLanes, hashHex, recordHash, type DigestLanes, type RecordHash } from '../protocol/digest.js';
import { conflictRow } from './conflicts/audit-storage.js';
import type { RecordClock } from './conflicts/detect.js';
import type { ConflictsTable } from './conflicts/schema.js';
import type { RecordOrigin } from './record-origin.js';
import { toInt, type RecordRow } from './schema.js';

/** A clock row as stored (fields parsed); valid only for the record version it names. */
export interface ClockRow {
  version: number;
  writer: string;
  hlc: string;
  fields: Record<string, string>;
}

/** A record row as read together with its clock's columns (both backends' load reads this shape). */
export type RowWithClock = RecordRow & { c_version: number | null; c_writer: string | null; c_hlc: string | null; c_fields: string | null };

interface Slot {
  row: RecordRow | undefined;
  clock: ClockRow | undefined;
}

/** What a run changed, for the backend to write. */
export interface PendingRun {
  records: RecordRow[];
  clocks: Array<{ collection: string; key: string; clock: ClockRow }>;
  lanes: Array<{ collection: string; lanes: DigestLanes }>;
  conflicts: ConflictsTable[];
  /** The conflict counter's new value when `conflicts` is not empty. */
  conflictSeq: number;
  /** The scope's new version, when the run moved it. */
  version: number | undefined;
}

const UNKNOWN_CLOCK: RecordClock = { writer: undefined, hlc: undefined, fields: {} };

const id = (collection: string, key: string): string => `${collection}\u0000${key}`;

export type RunTarget = { collection: string; key: string };

export class RunState {
  readonly #slots = new Map<string, Slot>();
  readonly #lanes = new Map<string, DigestLanes>();
  readonly #touchedLanes = new Set<string>();
  readonly #writtenRecords = new Set<string>();
  readonly #writtenClocks = new Set<string>();
  readonly #conflicts: ConflictsTable[] = [];
  #conflictSeq: number;
  #version: number;
  readonly #versionBefore: number;

  /**
   * `targets`: every record the run may touch; `rows`: those of them that exist, with their clock
   * columns; `lanes`: the stored lanes of their collections (a collection without a row has none yet).
   */
  constructor(
    readonly scope: string,
    version: number,
    conflictSeq: number,
    targets: Iterable<RunTarget>,
    rows: Iterable<RowWithClock>,
    lanes: ReadonlyMap<string, DigestLanes>,
  ) {
    this.#version = version;
    this.#versionBefore = version;
    this.#conflictSeq = conflictSeq;
    for (const t of targets) {
      this.#slots.set(id(t.collection, t.key), { row: undefined, clock: undefined });
      this.#lanes.set(t.collection, lanes.get(t.collection) ?? emptyLanes());
    }
    for (const { c_version, c_writer, c_hlc, c_fields, ...row } of rows) {
      const clock = c_version === null || c_writer === null || c_hlc === null || c_fields === null
        ? undefined
        : { version: toInt(c_version), writer: c_writer, hlc: c_hlc, fields: JSON.parse(c_fields) as Record<string, string> };
      this.#slots.set(id(row.collection, row.key), { row, clock });
    }
  }

  /** The scope's version after the writes so far. */
  get version(): number {
    return this.#version;
  }

  /** The record's row as this run sees it now, and its clock at that row's version (unknown if stale). */
  read(collection: string, key: string): { row: RecordRow | undefined; clock: RecordClock } {
    const slot = this.#slot(collection, key);
    const version = toInt(slot.row?.version);
    const clock = slot.clock === undefined || slot.clock.version !== version ? UNKNOWN_CLOCK : slot.clock;
    return { row: slot.row, clock: { writer: clock.writer, hlc: clock.hlc, fields: { ...clock.fields } } };
  }

  /**
   * writeKnownRecord's rules: value null deletes, and deleting what is not live writes nothing (no
   * version); otherwise the next version, the digest moved from `liveHash` to the new contribution.
   */
  writeRecord(collection: string, key: string, value: JsonObject | null, live: { version: number | undefined; hash: RecordHash | undefined }, origin?: RecordOrigin): number | undefined {
    if (value === null && live.version === undefined) return undefined;
    const version = this.#version + 1;
    const after = value === null ? undefined : recordHash(collection, key, version, value);
    const before = live.version === undefined ? undefined : live.hash;
    if (before !== undefined || after !== undefined) {
      let lanes = this.#lanes.get(collection) ?? emptyLanes();
      if (before !== undefined) lanes = addHash(lanes, before, -1);
      if (after !== undefined) lanes = addHash(lanes, after, 1);
      this.#lanes.set(collection, lanes);
      this.#touchedLanes.add(collection);
    }
    const kept = value === null ? undefined : origin;
    this.#slot(collection, key).row = {
      scope: this.scope,
      collection,
      key,
      value: value === null ? null : JSON.stringify(value),
      version,
      deleted: value === null ? 1 : 0,
      deleted_at: value === null ? Date.now() : null,
      digest_hash: after === undefined ? null : hashHex(after),
      origin_client: kept?.clientId ?? null,
      origin_mutation: kept?.mutationId ?? null,
      origin_first: kept?.firstMutationId ?? null,
      origin_base: kept?.baseVersion ?? null,
    };
    this.#writtenRecords.add(id(collection, key));
    this.#version = version;
    return version;
  }

  writeClock(collection: string, key: string, clock: ClockRow): void {
    this.#slot(collection, key).clock = { ...clock, fields: { ...clock.fields } };
    this.#writtenClocks.add(id(collection, key));
  }

  /** Number an audit entry with the scope's next conflict seq and keep it for the flush. */
  appendConflict(entry: Omit<ConflictRecord, 'seq'>): number {
    this.#conflictSeq += 1;
    this.#conflicts.push(conflictRow(this.scope, this.#conflictSeq, entry));
    return this.#conflictSeq;
  }

  /** The final row of each written record and clock, the touched lanes, the audit rows, the new version. */
  pending(): PendingRun {
    const records = [...this.#writtenRecords].map((k) => this.#slots.get(k)?.row).filter((row) => row !== undefined);
    const clocks = [...this.#writtenClocks].map((k) => {
      const [collection = '', key = ''] = k.split('\u0000');
      return { collection, key, clock: this.#slots.get(k)?.clock };
    }).filter((row): row is { collection: string; key: string; clock: ClockRow } => row.clock !== undefined);
    const lanes = [...this.#touchedLanes].map((collection) => ({ collection, lanes: this.#lanes.get(collection) ?? emptyLanes() }));
    return {
      records,
      clocks,
      lanes,
      conflicts: this.#conflicts,
      conflictSeq: this.#conflictSeq,
      version: this.#version === this.#versionBefore ? undefined : this.#version,
    };
  }

  #slot(collection: string, key: string): Slot {
    const slot = this.#slots.get(id(collection, key));
    if (slot === undefined) throw new Error(`Set-based run: ${collection}/${key} was not loaded.`);
    return slot;
  }
}
