/**
 * Counts, at the sync layer, how many times the server ran each mutation to an outcome, so that the
 * demo and the crash test can see a duplicate the domain would hide. (The receipts handlers refuse a
 * second receipt with the same id, so a server that re-applied every resend left the receipts intact
 * and passed every check made on them.)
 *
 * `wrap` puts a recorder around named mutation handlers. Each run of a handler is appended to an
 * in-memory log with how it ended:
 * - returned: the handler's writes stand, and the recorder also writes an entry to the
 *   `sync.applications` collection in the same transaction, keyed by a server counter. An entry is
 *   there only if the application committed, so `check` counts a returned run only when its entry is
 *   in the collection (a run whose transaction failed afterwards is a legitimate retry, not a duplicate);
 * - rejected (MutationRejection): also a final outcome of that mutation id, consumed and answered, so
 *   running it again is a duplicate too — the case the receipts domain hides. Its writes, the
 *   collection entry included, roll back with the rejection, so only the in-memory log keeps it;
 * - failed (any other error): rolled back and answered 500, retried by design; not counted.
 * The log lives in the server's process: the demo and the crash test run their server in-process.
 */
import type { MutationHandler } from '../server/types.js';
import { isMutationRejection } from '../server/mutation-rejection.js';

/** The collection the recorder writes one entry to per committed application. */
export const APPLICATIONS_COLLECTION = 'sync.applications';
const APPLICATIONS_COUNTER = 'sync.applications';

export interface ApplicationRun {
  /** Order in which runs started in this process (for one client, the order the server applied them). */
  run: number;
  scope: string;
  clientId: string;
  mutationId: number;
  name: string;
  ended: 'running' | 'returned' | 'rejected' | 'failed';
}

/** An entry of the `sync.applications` collection, as a client pulls it. */
export interface ApplicationEntry {
  key: string;
  value: Record<string, unknown>;
}

export interface ApplicationCheck {
  /** Runs that reached a final outcome (committed applications and rejections). */
  applications: number;
  /** Second and later final runs of one (clientId, mutationId). */
  duplicates: number;
  /** Final runs of a client's mutation whose id is below one the server already ran for that client. */
  outOfOrder: number;
  /** Returned runs whose entry is missing from the collection (rolled back after the handler returned). */
  rolledBack: number;
}

export class ApplicationLog {
  readonly #runs: ApplicationRun[] = [];

  /** Every run so far, oldest first (a copy). */
  runs(): ApplicationRun[] {
    return this.#runs.map((run) => ({ ...run }));
  }

  /** The same handlers, each recording its runs here. */
  wrap(handlers: Readonly<Record<string, MutationHandler>>): Record<string, MutationHandler> {
    return Object.fromEntries(Object.entries(handlers).map(([name, handler]) => [name, this.#recorded(name, handler)]));
  }

  #recorded(name: string, handler: MutationHandler): MutationHandler {
    return async (ctx, args) => {
      const run: ApplicationRun = { run: this.#runs.length + 1, scope: ctx.scope, clientId: ctx.clientId, mutationId: ctx.mutationId, name, ended: 'running' };
      this.#runs.push(run);
      try {
        const result = await handler(ctx, args);
        const order = await ctx.nextCounter(APPLICATIONS_COUNTER);
        await ctx.put(APPLICATIONS_COLLECTION, `a${String(order).padStart(10, '0')}`, { clientId: ctx.clientId, mutationId: ctx.mutationId, name, run: run.run });
        run.ended = 'returned';
        return result;
      } catch (error) {
        run.ended = isMutationRejection(error) ? 'rejected' : 'failed';
        throw error;
      }
    };
  }

  /**
   * Count duplicates and order violations. `committed` is the `sync.applications` collection of
   * every scope checked, as the server holds it after everything drained (read it by pulling).
   */
  check(committed: readonly ApplicationEntry[]): ApplicationCheck {
    const committedRuns = new Set(committed.map((entry) => Number(entry.value['run'])));
    let rolledBack = 0;
    const final = this.#runs.filter((run) => {
      if (run.ended === 'rejected') return true;
      if (run.ended !== 'returned') return false;
      if (committedRuns.has(run.run)) return true;
      rolledBack += 1;
      return false;
    });
    return { applications: final.length, ...countViolations(final), rolledBack };
  }
}

/** Duplicates and out-of-order runs among final runs, which are in the order they started. */
export function countViolations(final: readonly Pick<ApplicationRun, 'scope' | 'clientId' | 'mutationId'>[]): { duplicates: number; outOfOrder: number } {
  const seen = new Set<string>();
  const highest = new Map<string, number>();
  let duplicates = 0;
  let outOfOrder = 0;
  for (const run of final) {
    const client = `${run.scope}\u0000${run.clientId}`;
    const id = `${client}\u0000${run.mutationId}`;
    if (seen.has(id)) {
      duplicates += 1;
      continue;
    }
    seen.add(id);
    const top = highest.get(client) ?? 0;
    if (run.mutationId < top) outOfOrder += 1;
    else highest.set(client, run.mutationId);
  }
  return { duplicates, outOfOrder };
}
