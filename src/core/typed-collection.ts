/**
 * Typed collections: a collection declared with a Standard Schema validator (zod, valibot, arktype,
 * …). The record type is inferred from the schema, and every local write is validated before it
 * enters the outbox, so a value the app can never want synced is refused at the call site with the
 * schema's own messages instead of travelling to the server. The server can enforce the same schema
 * (`collections: { receipts: { schema } }`), which stays the authority: a concurrent write from
 * another tab or device can still combine with a patch into something the schema refuses there.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { InvalidArgumentError, RecordSchemaError } from './errors.js';
import type { JsonObject } from '../protocol/json.js';
import { collectionName, describeIssues } from '../protocol/wire.js';

/** A schema whose output is a record value (a JSON object). */
export type RecordSchema = StandardSchemaV1<unknown, JsonObject>;

export interface CollectionDefinition<Name extends string = string, Schema extends RecordSchema = RecordSchema> {
  readonly name: Name;
  readonly schema: Schema;
}

/** The record type a definition's schema produces. */
export type RecordOf<D extends CollectionDefinition> = StandardSchemaV1.InferOutput<D['schema']>;
/** What a write to that collection must look like (the schema's input). */
export type RecordInputOf<D extends CollectionDefinition> = StandardSchemaV1.InferInput<D['schema']> & JsonObject;

/**
 * Declare a collection with a schema: `const receipts = defineCollection('receipts', z.object({…}))`,
 * then `client.collection(receipts)` is typed and validated. The name is checked here, once.
 */
export function defineCollection<const Name extends string, Schema extends RecordSchema>(name: Name, schema: Schema): CollectionDefinition<Name, Schema> {
  const parsed = collectionName.safeParse(name);
  if (!parsed.success) throw new InvalidArgumentError(`Invalid collection name ${JSON.stringify(name)}: ${describeIssues(parsed.error)}.`);
  const props = (schema as Partial<RecordSchema> | null | undefined)?.['~standard'];
  if (props?.version !== 1 || typeof props.validate !== 'function') {
    throw new InvalidArgumentError(`defineCollection(${JSON.stringify(name)}, schema): the schema is not a Standard Schema (v1) validator; pass e.g. a zod, valibot or arktype object schema.`);
  }
  return Object.freeze({ name, schema });
}

/**
 * Validate what a record would become; returns the schema's output (defaults and transforms
 * applied). Throws RecordSchemaError naming each failing field.
 */
export async function validateRecord(schema: RecordSchema, collection: string, key: string, value: unknown): Promise<JsonObject> {
  const result = await schema['~standard'].validate(value);
  if (result.issues === undefined) return result.value;
  const issues = result.issues.map((issue) => ({ message: issue.message, path: (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)) }));
  const listed = issues.map((i) => (i.path.length === 0 ? i.message : `${i.path.join('.')}: ${i.message}`)).join('; ');
  throw new RecordSchemaError(`The write to ${collection}/${key} does not match the collection's schema (${listed}). Nothing was queued; fix the value and write again.`, {
    details: { collection, key, issues },
  });
}
