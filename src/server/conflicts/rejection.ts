/**
 * A `server-wins` conflict refuses the write. Its audit entry must outlive the rollback of the
 * mutation's writes, so the rejection carries the entry and push writes it after rolling back.
 */
import type { Kysely } from 'kysely';
import type { ConflictRecord, ConflictReport } from '../../protocol/wire.js';
import { MutationRejection } from '../mutation-rejection.js';
import type { ServerDatabase } from '../schema.js';
import { appendConflict } from './audit-storage.js';

const BRAND = Symbol.for('syncline.conflict-rejection');

export class ConflictRejection extends MutationRejection {
  readonly entry: Omit<ConflictRecord, 'seq'>;
  readonly [BRAND] = true;

  constructor(entry: Omit<ConflictRecord, 'seq'>) {
    const what = entry.fields === undefined ? `record ${entry.collection}/${entry.key}` : `field(s) ${entry.fields.join(', ')} of ${entry.collection}/${entry.key}`;
    super('conflict', `The ${what} changed on the server since this client read it, and the collection's strategy is server-wins: the write was not applied. Re-read the record and write again if still needed.`);
    this.entry = entry;
  }
}

export function isConflictRejection(value: unknown): value is ConflictRejection {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** After the rollback: record the audit entry of a conflict rejection; the outcome's extra fields. */
export async function recordRejectedConflict(db: Kysely<ServerDatabase>, scope: string, error: unknown): Promise<{ conflict?: ConflictReport }> {
  if (!isConflictRejection(error)) return {};
  const seq = await appendConflict(db, scope, error.entry);
  return { conflict: toReport(seq, error.entry) };
}

/** The part of an audit entry the client gets back in its outcome. */
export function toReport(seq: number, entry: Omit<ConflictRecord, 'seq'>): ConflictReport {
  return {
    seq,
    strategy: entry.strategy,
    resolution: entry.resolution,
    ...(entry.fields === undefined ? {} : { fields: entry.fields }),
    serverVersion: entry.serverVersion,
    serverValue: entry.serverValue,
    value: entry.value,
    ...(entry.hlc === undefined ? {} : { hlc: entry.hlc }),
  };
}
