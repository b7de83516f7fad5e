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
  /**
   * Requests one cycle may have in flight. With 2 or more the pull asks for the next page while it
   * applies the current one, and the push sends the next batch (once the server has answered the
   * current one) while it commits the current outcomes, so the store's work hides behind the round
   * trip. Only the answer names the next cursor, and a batch sent before its predecessor was answered
   * could arrive as a gap, so more than one ahead is impossible and values above 2 act as 2.
   * Default 2; 1 on poor links, where a page fetched ahead of a cancel would waste scarce bytes.
   */
  concurrency?: number;
}

/** Contract: `plan()` is cheap and synchronous; it is called once per sync cycle (the prepare phase). */
export interface SyncPlanner {
  plan(): SyncPlan;
}

export const defaultPlan: Required<SyncPlan> = { pushBatchSize: 500, pullPageSize: 1000, requestTimeoutMs: 30_000, concurrency: 2 };

export function fixedPlanner(plan: Partial<SyncPlan> = {}): SyncPlanner {
  const fixed = { ...defaultPlan, ...plan };
  return { plan: () => fixed };
}
