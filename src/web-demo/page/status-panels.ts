/** What the till shows about syncing: outbox, measured link, sync phases as they run, conflicts, server runs. */
import { createElement as h } from 'react';
import type { JsonObject, NetworkMonitor, SyncPhaseName } from '../../index.js';
import { useCollection, useOutbox, useSyncStatus } from '../../react.js';
import { useConflicts, useCycles, useLink, useNow } from './live-state.js';

const PHASES: SyncPhaseName[] = ['validate', 'prepare', 'execute', 'verify', 'cleanup'];

function age(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

const row = (label: string, value: string, id?: string) => h('div', { className: 'kv' }, h('span', null, label), h('b', id === undefined ? null : { id }, value));

export function OutboxPanel() {
  const outbox = useOutbox();
  const now = useNow();
  const o = outbox.data;
  return h(
    'section',
    { className: 'panel' },
    h('h2', null, 'Outbox'),
    row('pending writes', o === undefined ? '…' : String(o.pending), 'pending'),
    row('oldest pending', o?.oldestPendingAt === undefined ? '—' : age(now - o.oldestPendingAt), 'oldest-pending'),
    row('drains in about', o === undefined || o.pending === 0 ? '—' : age(o.estimatedDrainMs)),
    row('refused by the server', String(o?.rejected ?? 0)),
    o?.stalled === true ? h('p', { className: 'warn' }, 'stalled: pending work and no successful sync for a while') : null,
  );
}

export function NetworkPanel({ monitor, blocked }: { monitor: NetworkMonitor; blocked: number }) {
  const link = useLink(monitor);
  return h(
    'section',
    { className: 'panel' },
    h('h2', null, 'Network ', h('span', { id: 'quality', className: `quality ${link.quality}` }, link.quality)),
    row('round trip (avg / p95)', link.rttMs === undefined ? 'not measured yet' : `${Math.round(link.rttMs)} / ${Math.round(link.rttP95Ms ?? link.rttMs)} ms`, 'rtt'),
    row('throughput', link.bytesPerSecond === undefined ? 'not measured yet' : `${Math.round(link.bytesPerSecond / 1024)} KiB/s`),
    row('failure rate', `${Math.round(link.failureRate * 100)} %`),
    row('requests measured', String(link.samples)),
    row('requests the toggle stopped', String(blocked), 'blocked'),
  );
}

export function SyncPanel() {
  const status = useSyncStatus();
  const cycles = useCycles();
  const current = PHASES.indexOf(status.phase as SyncPhaseName);
  const p = status.progress;
  const fraction = p === undefined ? (status.syncing ? 0 : 1) : p.total === undefined || p.total === 0 ? 0.5 : Math.min(1, p.done / p.total);
  return h(
    'section',
    { className: 'panel sync' },
    h('h2', null, 'Sync ', h('span', { id: 'sync-phase', className: 'muted' }, status.syncing ? status.phase : status.online ? 'idle' : 'offline')),
    h(
      'ol',
      { className: 'phases' },
      PHASES.map((phase, i) => h('li', { key: phase, className: !status.syncing ? '' : i < current ? 'done' : i === current ? 'active' : '' }, phase)),
    ),
    h('progress', { id: 'progress', max: 1, value: fraction }),
    h('p', { className: 'muted' }, p === undefined ? (status.error === undefined ? ' ' : `last error: ${status.error.message}`) : `${p.phase} ${p.done}${p.total === undefined ? '' : ` of ${p.total}`}`),
    h(
      'ul',
      { id: 'cycles', className: 'cycles' },
      cycles.map((c) =>
        h(
          'li',
          { key: c.syncId, className: c.outcome },
          h('b', null, c.trigger),
          ' ',
          c.phases.map((ph) => `${ph.phase}${ph.ms === undefined ? '…' : ` ${Math.round(ph.ms)}ms`}`).join(' → '),
          c.summary === '' ? null : h('div', { className: 'muted' }, c.summary),
        ),
      ),
    ),
  );
}

export function ConflictsPanel() {
  const conflicts = useConflicts();
  return h(
    'section',
    { className: 'panel' },
    h('h2', null, 'Conflicts resolved ', h('span', { id: 'conflict-count', className: 'muted' }, String(conflicts.length))),
    conflicts.length === 0
      ? h('p', { className: 'muted' }, 'None yet. Reprice a product on two tills, one of them offline.')
      : h(
          'ul',
          { className: 'conflicts' },
          conflicts.map((c) =>
            h(
              'li',
              { key: c.seq, className: 'conflict' },
              h('b', null, `${c.collection}/${c.key}`),
              ` ${c.server.fields?.join(', ') ?? ''}: ${c.server.strategy} → ${c.server.resolution}`,
              h('div', { className: 'muted mono' }, `mine ${JSON.stringify(c.clientValue)} · server had ${JSON.stringify(c.server.serverValue?.['price'] ?? c.server.serverValue)} · now ${JSON.stringify(c.server.value?.['price'] ?? c.server.value)}`),
            ),
          ),
        ),
  );
}

/** The server logs each run of a named mutation (src/demo/application-log.ts); tills pull that log. */
export function ServerRunsPanel() {
  const runs = useCollection<JsonObject>('sync.applications');
  const rows = runs.data ?? [];
  const seen = new Set(rows.map((r) => `${String(r.value['clientId'])}:${String(r.value['mutationId'])}`));
  return h(
    'section',
    { className: 'panel' },
    h('h2', null, 'On the server'),
    row('named mutations run (all tills)', String(rows.length), 'server-runs'),
    row('a mutation run twice', String(rows.length - seen.size), 'server-duplicates'),
  );
}
