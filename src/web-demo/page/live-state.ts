/**
 * App-level reads the page shows besides the syncline/react hooks: a ticking clock, the measured
 * link, the conflict log, and the sync cycles as they run (each phase with its duration).
 */
import { useEffect, useState } from 'react';
import type { ConflictLogEntry, NetworkMonitor, NetworkSnapshot, SyncPhaseName } from '../../index.js';
import { useSyncline } from '../../react.js';

/** `Date.now()`, re-rendered every `everyMs`: ages on screen grow while nothing else changes. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** What the monitor measured, re-read on each change of class and every second (RTT moves within a class). */
export function useLink(monitor: NetworkMonitor): NetworkSnapshot {
  const [snapshot, setSnapshot] = useState(() => monitor.snapshot());
  useEffect(() => {
    const read = () => setSnapshot(monitor.snapshot());
    const stop = monitor.on('network.changed', read);
    const timer = setInterval(read, 1000);
    return () => {
      stop();
      clearInterval(timer);
    };
  }, [monitor]);
  return snapshot;
}

/** The conflicts the server reported on this till's writes, newest first. */
export function useConflicts(): ConflictLogEntry[] {
  const client = useSyncline();
  const [entries, setEntries] = useState<ConflictLogEntry[]>([]);
  useEffect(() => {
    let live = true;
    const read = () => void client.conflicts({ limit: 500 }).then((all) => live && setEntries(all.slice(-20).reverse()), () => undefined);
    read();
    const stop = client.subscribe((event) => {
      if (event.type === 'conflict.resolved') read();
    });
    return () => {
      live = false;
      stop();
    };
  }, [client]);
  return entries;
}

export interface CycleLine {
  syncId: string;
  trigger: string;
  /** Phases seen so far, with their duration once completed. */
  phases: Array<{ phase: SyncPhaseName; ms: number | undefined }>;
  outcome: 'running' | 'completed' | 'failed';
  summary: string;
}

/** The running cycle and the last few, from the client's events. */
export function useCycles(keep = 6): CycleLine[] {
  const client = useSyncline();
  const [cycles, setCycles] = useState<CycleLine[]>([]);
  useEffect(
    () =>
      client.subscribe((event) => {
        if (event.type === 'sync.started') {
          setCycles((list) => [{ syncId: event.syncId, trigger: event.trigger, phases: [], outcome: 'running' as const, summary: '' }, ...list].slice(0, keep));
          return;
        }
        if (event.type !== 'sync.phase' && event.type !== 'sync.completed' && event.type !== 'sync.failed') return;
        setCycles((list) =>
          list.map((cycle) => {
            if (cycle.syncId !== event.syncId) return cycle;
            if (event.type === 'sync.phase') {
              const others = cycle.phases.filter((p) => p.phase !== event.phase);
              return { ...cycle, phases: [...others, { phase: event.phase, ms: event.state === 'completed' ? event.durationMs : undefined }] };
            }
            if (event.type === 'sync.failed') return { ...cycle, outcome: 'failed' as const, summary: event.error.message };
            const r = event.result;
            const summary = r.skipped
              ? 'another tab of this till synced'
              : `pushed ${r.pushed.applied}${r.pushed.rejected > 0 ? ` (+${r.pushed.rejected} refused)` : ''}, pulled ${r.pulled.changes}, ${r.verify.status}, ${r.durationMs} ms`;
            return { ...cycle, outcome: 'completed' as const, summary };
          }),
        );
      }),
    [client, keep],
  );
  return cycles;
}
