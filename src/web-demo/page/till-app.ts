/** The till's layout: a header with the offline toggle and "Sync now", selling on the left, syncing on the right. */
import { createElement as h, useEffect, useState } from 'react';
import type { NetworkMonitor } from '../../index.js';
import { useSyncline, useSyncStatus } from '../../react.js';
import type { NetworkSwitch } from './network-switch.js';
import { ReceiptsPanel } from './receipts-panel.js';
import { SalePanel } from './sale-panel.js';
import { ConflictsPanel, NetworkPanel, OutboxPanel, ServerRunsPanel, SyncPanel } from './status-panels.js';

export interface TillAppProps {
  till: string;
  gate: NetworkSwitch;
  monitor: NetworkMonitor;
}

export function TillApp({ till, gate, monitor }: TillAppProps) {
  const client = useSyncline();
  const status = useSyncStatus();
  const [enabled, setEnabled] = useState(gate.enabled());
  const [blocked, setBlocked] = useState(gate.blocked());
  // The gate also changes from other tabs of this till; follow it, and its count of stopped requests.
  useEffect(() => {
    const stop = gate.status.subscribe(() => setEnabled(gate.enabled()));
    const timer = setInterval(() => setBlocked(gate.blocked()), 500);
    return () => {
      stop();
      clearInterval(timer);
    };
  }, [gate]);

  const toggle = () => {
    gate.setEnabled(!enabled);
    setEnabled(!enabled);
  };
  const syncNow = () => void client.sync({ priority: 'high' }).result.catch(() => undefined);
  const other = till === '1' ? '2' : '1';

  return h(
    'main',
    null,
    h(
      'header',
      null,
      h('h1', null, `Till ${till}`),
      h('span', { className: 'muted mono' }, `device ${client.clientId.slice(0, 8)}`),
      h(
        'button',
        { id: 'network-toggle', role: 'switch', 'aria-checked': enabled, className: `toggle ${enabled ? 'on' : 'off'}`, onClick: toggle, title: 'Offline stops every request of this till (sync and live updates)' },
        h('span', { className: 'knob' }),
        enabled ? 'Online' : 'Offline',
      ),
      h('span', { id: 'online-state', className: status.online ? 'ok' : 'warn' }, status.online ? 'connected' : 'offline — sales queue locally'),
      h('button', { id: 'sync-now', onClick: syncNow }, 'Sync now'),
      h('a', { href: `?till=${other}`, target: '_blank', rel: 'noopener' }, `open till ${other} (another device)`),
    ),
    h('div', { className: 'columns' }, h('div', null, h(SalePanel, { till }), h(ReceiptsPanel, { till })), h('div', null, h(OutboxPanel), h(SyncPanel), h(NetworkPanel, { monitor, blocked }), h(ConflictsPanel), h(ServerRunsPanel))),
  );
}
