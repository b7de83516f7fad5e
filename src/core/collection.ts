/** A named collection of records: reads from the optimistic view, writes as generic mutations. */
import { assertShallowEnough } from './json-depth.js';
import { InvalidArgumentError } from './errors.js';
import type { RecordsChange } from './events.js';
import type { JsonObject, JsonValue } from '../protocol/json.js';
import { collectionName, describeIssues, jsonObject, recordKey } from '../protocol/wire.js';
import { incremented, incrementArgs, type PatchArgs, type PutArgs, type DeleteArgs, type IncrementArgs, type RecordOp } from '../protocol/record-ops.js';
import { checkExpected, patchBase, type PatchOptions } from './patch-expected.js';
import { validateRecord, type RecordSchema } from './typed-collection.js';
import type { Query, QueryPage } from './query-types.js';
import { loadQueryChunk } from './query-load.js';

export type { PatchOptions } from './patch-expected.js';

/** Fields of T that hold numbers (any field when T is an untyped record). */
export type NumericField<T extends JsonObject> = string extends keyof T ? string : { [K in keyof T & string]: T[K] extends number | null | undefined ? K : never }[keyof T & string];

export interface QueuedMutation {
  /** Mutation id: 1, 2, 3, … per client database. */
  mutationId: number;
}

/** What the client gives a collection to work with. */
export interface CollectionHost {
  readView(collection: string, key: string): Promise<JsonObject | undefined>;
  listView(collection: string): Promise<Array<{ key: string; value: JsonObject }>>;
  /** Answer a query on the optimistic view (see query-types.ts for its meaning). */
  query(collection: string, query: Query): Promise<QueryPage<JsonObject>>;
  /** Report a failure nobody awaits (a live query that could not re-run). */
  reportError(what: string, error: unknown): void;
  /**
   * Queue a generic mutation; `build` runs inside the write transaction with the confirmed version
   * and the write's hybrid-logical-clock stamp (last-writer-wins on the server compares them).
   */
  queueRecordWrite(
    name: 'put' | 'patch' | 'delete' | 'increment',
    collection: string,
    key: string,
    build: (ctx: { baseVersion: number | null; current: JsonObject | undefined; hlc: string }) => { args: PutArgs | PatchArgs | DeleteArgs | IncrementArgs; op: RecordOp },
  ): Promise<QueuedMutation>;
  subscribeRecords(listener: (change: RecordsChange & { source: 'local' | 'remote' }) => void): () => void;
}

/**
 * `T` is what reads return; `W` what `put` takes (they differ only for a schema that transforms,
 * e.g. fills defaults: its input is written, its output stored).
 */
export class Collection<T extends JsonObject = JsonObject, W extends JsonObject = T> {
  readonly name: string;
  readonly #host: CollectionHost;
  readonly #schema: RecordSchema | undefined;

  constructor(host: CollectionHost, name: string, schema?: RecordSchema) {
    const parsed = collectionName.safeParse(name);
    if (!parsed.success) throw new InvalidArgumentError(`Invalid collection name ${JSON.stringify(name)}: ${describeIssues(parsed.error)}.`);
    this.name = name;
    this.#host = host;
    this.#schema = schema;
  }

  /**
   * With a schema: validate what the record becomes (`next` of the current view), before anything
   * is queued. A patch or increment is judged against the view read here; the server re-checks
   * against what it holds when the write applies.
   */
  async #conform(key: string, next: (current: JsonObject | undefined) => unknown): Promise<void> {
    const schema = this.#schema;
    if (schema !== undefined) await validateRecord(schema, this.name, key, next(await this.#host.readView(this.name, key)));
  }

  /** The record as this client sees it now (pending local writes included), or undefined. */
  async get(key: string): Promise<T | undefined> {
    return (await this.#host.readView(this.name, checkKey(key))) as T | undefined;
  }

  /** Every record of the collection in key order, pending local writes included. */
  async list(): Promise<Array<{ key: string; value: T }>> {
    return (await this.#host.listView(this.name)) as Array<{ key: string; value: T }>;
  }

  /**
   * Records matching `where`, ordered and paged, pending local writes included — the same records
   * `get` would return. Fast when a declared index (client option `indexes`) covers the query: its
   * fields are the equality fields followed by the ordered/ranged field. Otherwise it filters the
   * whole collection, counted in `client.metrics().queryScans`.
   * @example await receipts.query({ where: { status: 'open', issuedAt: { gte: startOfDay } }, orderBy: { field: 'issuedAt', direction: 'desc' }, limit: 50 })
   */
  async query(query: Query = {}): Promise<QueryPage<T>> {
    return (await this.#host.query(this.name, query)) as QueryPage<T>;
  }

  /**
   * A live query: `listener` gets the current answer, then each new answer whenever a local write,
   * pull or rebase changes it (at most once per store transaction). Returns the unsubscribe.
   */
  watch(query: Query, listener: (page: QueryPage<T>) => void): () => void {
    const source = {
      run: (q: Query) => this.#host.query(this.name, q),
      read: (key: string) => this.#host.readView(this.name, key),
      subscribe: (fn: (keys: readonly string[]) => void) => this.subscribe((change) => fn(change.keys)),
      onError: (error: unknown) => this.#host.reportError(`live query on ${this.name} failed`, error),
    };
    // A lazy chunk, like the query engine; a bad query is reported through the client's logger.
    let stop: (() => void) | undefined;
    let stopped = false;
    loadQueryChunk()
      .then((m) => {
        if (!stopped) stop = m.watchQuery<T>(source, query, listener);
      })
      .catch(source.onError);
    return () => {
      stopped = true;
      stop?.();
    };
  }

  /** Replace (or create) a record. Resolves once the write is durable in the local outbox. */
  async put(key: string, value: W): Promise<QueuedMutation> {
    checkKey(key);
    const schema = this.#schema;
    const v = checkValue(schema === undefined ? value : await validateRecord(schema, this.name, key, value));
    const collection = this.name;
    return this.#host.queueRecordWrite('put', collection, key, ({ baseVersion, hlc }) => ({
      args: { collection, key, value: v, baseVersion, hlc },
      op: { op: 'put', collection, key, value: v },
    }));
  }

  /**
   * Set some fields; the others keep whatever value they have when the server applies it.
   *
   * Without options the server checks each field against the value this database shows when the
   * patch is queued. When `fields` were computed from an earlier read (read-modify-write, e.g.
   * `stock: seen - 1`), pass what was read as `options.expected` — one entry per field set — so a
   * change made in between by another tab, process or device is a conflict the collection's policy
   * resolves (`server-wins` rejects, a `delta` merge counts both), not a lost update. For counters,
   * `increment` needs no read at all.
   */
  async patch(key: string, fields: Partial<T>, options: PatchOptions<T> = {}): Promise<QueuedMutation> {
    const f = checkValue(fields as JsonObject);
    if (Object.keys(f).length === 0) throw new InvalidArgumentError('patch() needs at least one field to set.');
    const read = checkExpected(f, options);
    const collection = this.name;
    await this.#conform(checkKey(key), (current) => ({ ...current, ...f }));
    return this.#host.queueRecordWrite('patch', collection, key, (ctx) => {
      const { expected, baseVersion } = patchBase(collection, key, f, read, ctx);
      return { args: { collection, key, fields: f, expected, baseVersion, hlc: ctx.hlc }, op: { op: 'patch', collection, key, fields: f } };
    });
  }

  /**
   * Add `by` to a numeric field: a counter (stock, points) that needs no read and never conflicts.
   * Increments from any number of tabs, processes and devices all count — locally (the view sums
   * them) and on the server, which adds `by` to the value it holds when the mutation applies. A
   * missing record or field counts as 0. `by` is any finite number; use integers (e.g. cents) for
   * exact sums. Refused at once when this database shows a non-number in the field; a server that
   * holds one rejects the increment with code `invalid-increment`.
   */
  async increment(key: string, field: NumericField<T>, by: number): Promise<QueuedMutation> {
    const collection = this.name;
    const checked = incrementArgs.safeParse({ collection, key: checkKey(key), field, by });
    if (!checked.success) throw new InvalidArgumentError(`increment(${JSON.stringify(key)}, ${JSON.stringify(field)}, ${String(by)}): ${describeIssues(checked.error)}.`);
    // A non-number field is refused below with its own message; the schema judges only real sums.
    await this.#conform(key, (current) => {
      const sum = incremented(current, field, by);
      return sum === undefined ? current : { ...current, [field]: sum };
    });
    return this.#host.queueRecordWrite('increment', collection, key, ({ current, hlc }) => {
      if (incremented(current, field, by) === undefined) {
        const found: JsonValue | undefined = current?.[field];
        throw new InvalidArgumentError(
          `Cannot increment field "${field}" of ${collection}/${key}: it holds ${JSON.stringify(found)}, not a number (or the sum is not finite). Patch it to a number first.`,
        );
      }
      return { args: { collection, key, field, by, hlc }, op: { op: 'increment', collection, key, field, by } };
    });
  }

  async delete(key: string): Promise<QueuedMutation> {
    const collection = this.name;
    return this.#host.queueRecordWrite('delete', collection, checkKey(key), ({ baseVersion, hlc }) => ({
      args: { collection, key, baseVersion, hlc },
      op: { op: 'delete', collection, key },
    }));
  }

  /** Called after every change to this collection's visible records (local writes and pulls). */
  subscribe(listener: (change: { keys: string[]; source: 'local' | 'remote' }) => void): () => void {
    return this.#host.subscribeRecords((change) => {
      if (change.collection === this.name) listener({ keys: change.keys, source: change.source });
    });
  }
}

function checkKey(key: string): string {
  const parsed = recordKey.safeParse(key);
  if (!parsed.success) throw new InvalidArgumentError(`Invalid record key ${JSON.stringify(key)}: ${describeIssues(parsed.error)}.`);
  return key;
}

function checkValue(value: JsonObject): JsonObject {
  assertShallowEnough(value, 'Record values');
  const parsed = jsonObject.safeParse(value);
  if (!parsed.success) {
    throw new InvalidArgumentError(`Record values must be plain JSON objects: ${describeIssues(parsed.error)}.`, { cause: parsed.error });
  }
  return parsed.data;
}
