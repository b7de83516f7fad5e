/**
 * What makes a background job due, besides its stored due time: the network coming back
 * (`connectivity`) and local writes (`data-change`, debounced). `periodic` jobs need no listener —
 * their next due time is stored — and `manual` ones wait for `executePendingJobs()`.
 */
import type { SynclineClient } from '../core/client.js';
import type { StoredJob } from '../core/job-store.js';
import type { NetworkStatus, Timers } from '../core/seams.js';

export interface TriggerHost {
  client: SynclineClient;
  network: NetworkStatus;
  timers: Timers;
  /** The job is due at `at` (client clock). */
  markDue(jobId: string, at: number): void;
}

/** Attach the job's trigger; returns the detach function. */
export function armTrigger(host: TriggerHost, job: StoredJob): () => void {
  switch (job.trigger) {
    case 'connectivity':
      // Any change makes it due: going offline remembers that a sync is owed, coming back pays it.
      return host.network.subscribe(() => host.markDue(job.id, host.timers.now()));
    case 'data-change':
      // Every write pushes the due time back: the job runs after `debounceMs` of quiet.
      return host.client.on('mutation.queued', () => host.markDue(job.id, host.timers.now() + job.debounceMs));
    case 'periodic':
    case 'manual':
      return () => undefined;
  }
}
