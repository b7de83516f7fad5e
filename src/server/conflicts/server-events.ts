/** Server-side conflict events, emitted after the push that resolved them has committed. */
import type { ConflictReport, PushRequest, PushResponse } from '../../protocol/wire.js';
import { reportInResult } from '../../core/conflict-outcome.js';

export interface ServerConflictEvent {
  type: 'conflict.detected' | 'conflict.resolved';
  scope: string;
  clientId: string;
  mutationId: number;
  /** put, patch or delete. */
  name: string;
  /** Strategy, resolution, the record before and after (see GET /v1/conflicts for the full entry). */
  conflict: ConflictReport;
}

/** The conflicts a push response reports (duplicates were reported when first processed). */
export function conflictEvents(scope: string, request: PushRequest, response: PushResponse): ServerConflictEvent[] {
  const names = new Map(request.mutations.map((m) => [m.id, m.name]));
  const events: ServerConflictEvent[] = [];
  for (const outcome of response.outcomes) {
    if (outcome.duplicate === true) continue;
    const conflict = outcome.status === 'rejected' ? outcome.conflict : reportInResult(outcome.result);
    if (conflict === undefined) continue;
    const base = { scope, clientId: request.clientId, mutationId: outcome.id, name: names.get(outcome.id) ?? '', conflict };
    events.push({ type: 'conflict.detected', ...base }, { type: 'conflict.resolved', ...base });
  }
  return events;
}
