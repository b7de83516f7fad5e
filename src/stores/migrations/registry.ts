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
// No imports: the IndexedDB migrations load as a lazy chunk of the web client, and anything they
// shared with the eager bundle would split off into an extra eagerly loaded chunk.

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
 * The steps taking a store from format `found` to `target` (found <= target, the caller has refused
 * newer stores), in order — or, for a registry with a gap or a step out of order (a programming
 * error, caught by the tests), the first format that has no step onward.
 */
export function planMigration<C>(
  steps: readonly MigrationStep<C>[],
  found: number,
  target: number,
): { plan: Array<MigrationStep<C>>; missing?: undefined } | { plan?: undefined; missing: number } {
  const plan: Array<MigrationStep<C>> = [];
  for (let at = found; at < target; at++) {
    const step = steps.find((s) => s.from === at);
    if (step === undefined || step.to !== at + 1) return { missing: at };
    plan.push(step);
  }
  return { plan };
}
