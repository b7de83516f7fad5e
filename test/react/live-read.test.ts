// The live-read primitive under the hooks, driven by a source whose reads the test resolves by hand:
// no update after the last subscriber left, one read at a time with changes coalesced, results in
// the order reads began, and the change listener removed.
import { describe, expect, it } from 'vitest';
import { LiveRead, type LiveReadSource } from '../../src/react/live-read.js';
import { LOADING } from '../../src/react/loadable.js';
import { sharedRead } from '../../src/react/shared-reads.js';
import type { SynclineClient } from '../../src/index.js';

function manualSource() {
  const reads: Array<(value: { v: number }) => void> = [];
  let onChange: (() => void) | undefined;
  let watching = 0;
  const source: LiveReadSource<{ v: number }> = {
    read: () => new Promise((resolve) => reads.push(resolve)),
    watch: (listener) => {
      onChange = listener;
      watching++;
      return () => {
        watching--;
        onChange = undefined;
      };
    },
  };
  return { source, reads, change: () => onChange?.(), watching: () => watching };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('LiveRead', () => {
  it('drops a read that finishes after the last subscriber left, and stops watching', async () => {
    const m = manualSource();
    const live = new LiveRead(m.source);
    let notified = 0;
    const off = live.subscribe(() => notified++);
    expect(m.reads).toHaveLength(1);
    off();
    expect(m.watching()).toBe(0);
    m.reads[0]!({ v: 1 });
    await settle();
    expect(notified).toBe(0);
    expect(live.getSnapshot()).toBe(LOADING);
  });

  it('a resubscribe reads afresh; the read begun before the unsubscribe cannot land over it', async () => {
    const m = manualSource();
    const live = new LiveRead(m.source);
    live.subscribe(() => undefined)();
    live.subscribe(() => undefined);
    expect(m.reads).toHaveLength(2);
    m.reads[1]!({ v: 2 });
    await settle();
    m.reads[0]!({ v: 1 }); // the older read ends last
    await settle();
    expect(live.getSnapshot().data).toEqual({ v: 2 });
  });

  it('coalesces changes during a read into one more read, and keeps the snapshot object while nothing changed', async () => {
    const m = manualSource();
    const live = new LiveRead(m.source);
    live.subscribe(() => undefined);
    m.change();
    m.change();
    m.change();
    expect(m.reads).toHaveLength(1);
    m.reads[0]!({ v: 1 });
    await settle();
    expect(m.reads).toHaveLength(2);
    const first = live.getSnapshot();
    expect(first.data).toEqual({ v: 1 });
    m.reads[1]!({ v: 1 });
    await settle();
    expect(live.getSnapshot()).toBe(first);
    expect(live.getSnapshot()).toBe(live.getSnapshot());
  });

  it('a failed read is an error state that keeps the last data', async () => {
    const m = manualSource();
    let fail = false;
    const live = new LiveRead({ ...m.source, read: () => (fail ? Promise.reject(new Error('disk gone')) : m.source.read()) });
    live.subscribe(() => undefined);
    m.reads[0]!({ v: 1 });
    await settle();
    fail = true;
    m.change();
    await settle();
    const snapshot = live.getSnapshot();
    expect(snapshot.status).toBe('error');
    expect(snapshot.data).toEqual({ v: 1 });
    expect(snapshot.error?.message).toContain('disk gone');
  });

  it('shared reads: one per client and id; idle ones leave the map, and one re-subscribed takes its place back', () => {
    const client = {} as SynclineClient; // only a WeakMap key here
    const m = manualSource();
    const a = sharedRead(client, 'x', () => m.source);
    expect(sharedRead(client, 'x', () => m.source)).toBe(a);
    expect(sharedRead({} as SynclineClient, 'x', () => m.source)).not.toBe(a);
    a.subscribe(() => undefined)(); // idle: leaves the map…
    const off = a.subscribe(() => undefined); // …and a component still holding it subscribes again
    expect(sharedRead(client, 'x', () => m.source)).toBe(a);
    off();
    expect(sharedRead(client, 'x', () => m.source)).not.toBe(a);
  });
});
