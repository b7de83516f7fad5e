/**
 * The generic `increment`: add to a numeric field of the record as it is when the mutation applies.
 * It is commutative, so it has no base to compare and never conflicts: nothing is detected, resolved
 * or audited, whatever the collection's strategy (server-wins included). Concurrent increments from
 * any number of writers — tabs of one database or separate devices — all count.
 *
 * It writes the way a named mutation does (not through the conflict path of put/patch/delete): the
 * client cannot know the resulting value (other writers' increments are in it), so the record always
 * comes back to it in full on the next pull.
 */
import type { Kysely } from 'kysely';
import type { JsonObject } from '../../protocol/json.js';
import { incremented } from '../../protocol/record-ops.js';
import { writeKnownRecord } from '../mutation-context.js';
import { MutationRejection } from '../mutation-rejection.js';
import { readRecord } from '../storage.js';
import { toInt, type ServerDatabase } from '../schema.js';
import type { MutationContext } from '../types.js';
import { assertReadable, assertWrite } from '../rules.js';
import type { CollectionConformance } from '../collection-schema.js';
import { advanceClock, readRecordClock, writeRecordClock } from './clock-storage.js';

export interface IncrementWrite {
  collection: string;
  key: string;
  field: string;
  by: number;
  /** The writer's stamp (or the server's, for clients that send none). */
  hlc: string;
}

/** Returns the field's new value as the handler result: the client learns the total at once. */
export async function runIncrement(trx: Kysely<ServerDatabase>, ctx: MutationContext, write: IncrementWrite, conform?: CollectionConformance): Promise<{ value: number }> {
  const { scope } = ctx;
  const row = await readRecord(trx, scope, write.collection, write.key);
  const version = toInt(row?.version);
  const live = row === undefined || row.deleted !== 0 || row.value === null ? undefined : (JSON.parse(row.value) as JsonObject);
  assertReadable(ctx.rules, write.collection, write.key, live);
  const { value, next } = incrementedRecord(live, write);
  assertWrite(ctx.rules, { collection: write.collection, key: write.key, op: 'increment', before: live, after: value });
  await conform?.(write.collection, write.key, value);
  const written = await writeKnownRecord(ctx, { collection: write.collection, key: write.key, value, liveVersion: live === undefined ? undefined : version });
  if (written !== undefined) {
    // Keep the record's clock current, so a later put/delete based on an older version is seen as
    // overwriting this increment (a conflict) and last-writer-wins knows the field's stamp.
    const clock = advanceClock(await readRecordClock(trx, scope, write.collection, write.key, version), write.hlc, [write.field]);
    await writeRecordClock(trx, { scope, collection: write.collection, key: write.key, version: written, writer: ctx.clientId, ...clock });
  }
  return { value: next };
}

/** The record after the increment and the field's new value; an `invalid-increment` rejection when it cannot apply. */
export function incrementedRecord(live: JsonObject | undefined, write: IncrementWrite): { value: JsonObject; next: number } {
  const next = incremented(live, write.field, write.by);
  if (next === undefined) {
    const found = live?.[write.field];
    throw new MutationRejection(
      'invalid-increment',
      typeof found === 'number'
        ? `Adding ${write.by} to field "${write.field}" of ${write.collection}/${write.key} (${found}) gives a number JSON cannot hold.`
        : `Field "${write.field}" of ${write.collection}/${write.key} holds ${JSON.stringify(found)}, not a number: it cannot be incremented. Patch it to a number first.`,
    );
  }
  return { value: { ...(live ?? {}), [write.field]: next }, next };
}
