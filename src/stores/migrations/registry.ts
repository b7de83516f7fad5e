/**
 * The store-format migration registry: an ordered chain of steps `{ from, to, name, up }` per store
 * kind, planned at open and run inside ONE store transaction (SQLite: `BEGIN IMMEDIATE … COMMIT` with
 * `user_version` bumped inside it; IndexedDB: the `upgradeneeded` versionchange transaction, which
 * bumps the version itself when it commits). So a migration either completes with the new format
 * number or leaves the previous format untouched — a crash or a failing step rolls everything back.
 *
 * Each step's `up` must also be idempotent (it checks whether its change is already there), so a
 * step that meets its own result — a partly hand-repaired file, a retried open — does no harm.
 *
 * The *store* format is the physical layout (tables, object stores, keys). The client's *local*
 * format (`LOCAL_FORMAT`, `meta/format`, row `v` fields, src/core/local-schema.ts) is what the core
 * writes through the Store seam; a store migration keeps every table/key/value exactly.
 */
import { InvalidArgumentError } from '../../core/errors.js';
import { StoreFormatTooNewError } from './format-error.js';

export interface MigrationStep<Context> {
  /** The store format this step reads … */
  readonly from: number;
  /** … and the one it leaves (always from + 1). */
  readonly to: number;
  /** What changes, for errors and logs. */
  readonly name: string;
  /** Applies the change inside the caller's transaction; a no-op when the change is already there. */
  up(context: Context): void | Promise<void>;
}

/**
 * The steps taking a store from format `found` to `target`, in order. Refuses a store from a newer
 * syncline (found > target) with `StoreFormatTooNewError`, and a registry with a gap or a step out
 * of order (a programming error, caught by the tests) with `InvalidArgumentError`.
 */
export function planMigration<C>(
  steps: readonly MigrationStep<C>[],
  found: number,
  target: number,
  store: { kind: string; where: string },
): Array<MigrationStep<C>> {
  if (found > target) throw new StoreFormatTooNewError(store.kind, store.where, found, target);
  const plan: Array<MigrationStep<C>> = [];
  for (let at = found; at < target; at++) {
    const step = steps.find((s) => s.from === at);
    if (step === undefined || step.to !== at + 1) {
      throw new InvalidArgumentError(
        `The ${store.kind} migration registry has no step from store format ${at} to ${at + 1}; ` +
          'every format up to the current one needs exactly one step.',
      );
    }
    plan.push(step);
  }
  return plan;
}
