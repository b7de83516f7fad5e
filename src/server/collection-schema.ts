/**
 * A collection's Standard Schema (`collections: { receipts: { writable: true, schema } }`), enforced on
 * generic writes: the record a put, patch or increment would leave behind — after any conflict
 * resolution — must pass it, or the mutation is rejected `invalid-value` (permanent, its id consumed,
 * nothing written). The same schema a client passes to `defineCollection` checks the write there
 * first; this is the authority, since a patch can combine with a concurrent write into a record the
 * client never saw. Deletes are not checked. The value is stored as written, not as the schema's
 * output: a transform on the server would change what the writer's echo marker promises.
 */
import type { JsonObject } from '../protocol/json.js';
import type { RecordSchema } from '../core/typed-collection.js';
import { MutationRejection } from './mutation-rejection.js';

export type CollectionConformance = (collection: string, key: string, value: JsonObject | undefined) => Promise<void>;

export function collectionConformance(schemaOf: (collection: string) => RecordSchema | undefined): CollectionConformance {
  return async (collection, key, value) => {
    const schema = schemaOf(collection);
    if (schema === undefined || value === undefined) return;
    const result = await schema['~standard'].validate(value);
    if (result.issues === undefined) return;
    const listed = result.issues.map((issue) => {
      const path = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
      return path === '' ? issue.message : `${path}: ${issue.message}`;
    });
    throw new MutationRejection('invalid-value', `The write to ${collection}/${key} would leave a record the collection's schema refuses (${listed.join('; ')}).`);
  };
}
