/** A named collection of records: reads from the optimistic view, writes as generic mutations. */
import { InvalidArgumentError } from './errors.js';
import type { RecordsChange } from './events.js';
import type { JsonObject } from '../protocol/json.js';
import { collectionName, describeIssues, jsonObject, recordKey } from '../protocol/wire.js';
import type { PatchArgs, PutArgs, DeleteArgs, RecordOp } from '../protocol/record-ops.js';

export interface QueuedMutation {
  /** Mutation id: 1, 2, 3, … per client database. */
  mutationId: number;
}

/** What the client gives a collection to work with. */
export interface CollectionHost {
  readView(collection: string, key: string): Promise<JsonObject | undefined>;
  listView(collection: string): Promise<Array<{ key: string; value: JsonObject }>>;
  /**
   * Queue a generic mutation; `build` runs inside the write transaction with the confirmed version
   * and the write's hybrid-logical-clock stamp (last-writer-wins on the server compares them).
   */
  queueRecordWrite(
    name: 'put' | 'patch' | 'delete',
    collection: string,
    key: string,
    build: (ctx: { baseVersion: number | null; current: JsonObject | undefined; hlc: string }) => { args: PutArgs | PatchArgs | DeleteArgs; op: RecordOp },
  ): Promise<QueuedMutation>;
  subscribeRecords(listener: (change: RecordsChange & { source: 'local' | 'remote' }) => void): () => void;
}

export class Collection<T extends JsonObject = JsonObject> {
  readonly name: string;
  readonly #host: CollectionHost;

  constructor(host: CollectionHost, name: string) {
    const parsed = collectionName.safeParse(name);
    if (!parsed.success) throw new InvalidArgumentError(`Invalid collection name ${JSON.stringify(name)}: ${describeIssues(parsed.error)}.`);
    this.name = name;
    this.#host = host;
  }

  /** The record as this client sees it now (pending local writes included), or undefined. */
  async get(key: string): Promise<T | undefined> {
    return (await this.#host.readView(this.name, checkKey(key))) as T | undefined;
  }

  /** Every record of the collection in key order, pending local writes included. */
  async list(): Promise<Array<{ key: string; value: T }>> {
    return (await this.#host.listView(this.name)) as Array<{ key: string; value: T }>;
  }

  /** Replace (or create) a record. Resolves once the write is durable in the local outbox. */
  async put(key: string, value: T): Promise<QueuedMutation> {
    const v = checkValue(value);
    const collection = this.name;
    return this.#host.queueRecordWrite('put', collection, checkKey(key), ({ baseVersion, hlc }) => ({
      args: { collection, key, value: v, baseVersion, hlc },
      op: { op: 'put', collection, key, value: v },
    }));
  }

  /** Set some fields; the others keep whatever value they have when the server applies it. */
  async patch(key: string, fields: Partial<T>): Promise<QueuedMutation> {
    const f = checkValue(fields as JsonObject);
    if (Object.keys(f).length === 0) throw new InvalidArgumentError('patch() needs at least one field to set.');
    const collection = this.name;
    return this.#host.queueRecordWrite('patch', collection, checkKey(key), ({ baseVersion, current, hlc }) => {
      const expected: JsonObject = {};
      for (const field of Object.keys(f)) expected[field] = current?.[field] ?? null;
      return { args: { collection, key, fields: f, expected, baseVersion, hlc }, op: { op: 'patch', collection, key, fields: f } };
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
  const parsed = jsonObject.safeParse(value);
  if (!parsed.success) {
    throw new InvalidArgumentError(`Record values must be plain JSON objects: ${describeIssues(parsed.error)}.`, { cause: parsed.error });
  }
  return parsed.data;
}
