/**
 * The batch plan seam: how big the next cycle's requests are and how long each may take. The
 * network-aware planner derives it from measured link quality; without one, fixed defaults apply.
 * Options given explicitly to `createClient` always win over the planner (users can pin every knob).
 */
export interface SyncPlan {
  /** Mutations per push request. */
  pushBatchSize: number;
  /** Changes per pull page. */
  pullPageSize: number;
  /** Deadline of one request, ms. */
  requestTimeoutMs: number;
}

/** Contract: `plan()` is cheap and synchronous; it is called once per sync cycle (the prepare phase). */
export interface SyncPlanner {
  plan(): SyncPlan;
}

export const defaultPlan: SyncPlan = { pushBatchSize: 100, pullPageSize: 1000, requestTimeoutMs: 30_000 };

export function fixedPlanner(plan: Partial<SyncPlan> = {}): SyncPlanner {
  const fixed = { ...defaultPlan, ...plan };
  return { plan: () => fixed };
}
