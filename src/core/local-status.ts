/** A read-only summary of a local database: what `syncline status` prints. */
import type { Store } from '../stores/store.js';
import type { SyncCycleResult } from './events.js';
import { META, T, readNumber } from './local-schema.js';
import { readRuns } from './run-history.js';

export interface LocalStatus {
  clientId: string | undefined;
  cursor: number;
  nextMutationId: number;
  outbox: number;
  unsettled: number;
  quarantined: number;
  confirmedRecords: number;
  runs: SyncCycleResult[];
}

export async function readLocalStatus(store: Store, runs = 10): Promise<LocalStatus> {
  return store.read(async (tx) => {
    const clientId = await tx.get(T.meta, META.clientId);
    return {
      clientId: typeof clientId === 'string' ? clientId : undefined,
      cursor: readNumber(await tx.get(T.meta, META.cursor), 0, 'meta/cursor'),
      nextMutationId: readNumber(await tx.get(T.meta, META.nextMutationId), 1, 'meta/nextMutationId'),
      outbox: await tx.count(T.outbox),
      unsettled: await tx.count(T.unsettled),
      quarantined: await tx.count(T.quarantine),
      confirmedRecords: await tx.count(T.records),
      runs: await readRuns(tx, runs),
    };
  });
}
