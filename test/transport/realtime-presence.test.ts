// The client's status reports are rate-bounded and skip repeats: a burst of changes within one
// interval costs one `status` message, an unchanged status is not resent (except the heartbeat
// refresh while a backlog ages), and peers() is undefined outside a socket session. Virtual time.
import { expect, it } from 'vitest';
import { createPresenceSession, type PresenceStatus } from '../../src/transport/realtime-presence.js';
import { VirtualClock } from '../network/virtual-clock.js';

function rig() {
  const clock = new VirtualClock();
  const session = createPresenceSession(clock, { minIntervalMs: 1000 });
  const sent: PresenceStatus[] = [];
  let status: PresenceStatus = { clientId: 'till-0001', cursor: 0, backlog: 0, oldestPendingAgeMs: null };
  session.attach(async () => status);
  return { clock, session, sent, set: (next: Partial<PresenceStatus>) => (status = { ...status, ...next }) };
}

it('sends on connect, then at most once per interval however many changes, and never an unchanged status', async () => {
  const { clock, session, sent, set } = rig();
  expect(session.peers()).toBeUndefined();
  session.connected((s) => sent.push(s));
  await clock.advance(0);
  expect(sent).toHaveLength(1);

  for (let i = 1; i <= 50; i++) {
    set({ backlog: i, oldestPendingAgeMs: 10 });
    session.changed();
    await clock.advance(10);
  }
  // 500 ms of changes after a send at 0: nothing yet; the one report comes at the 1000 ms mark.
  expect(sent).toHaveLength(1);
  await clock.advance(500);
  expect(sent).toHaveLength(2);
  expect(sent[1]?.backlog).toBe(50);

  session.changed();
  await clock.advance(5000);
  expect(sent).toHaveLength(2); // same cursor and backlog: not resent

  session.heartbeat(); // the backlog ages: the heartbeat refreshes its age
  await clock.advance(1000);
  expect(sent).toHaveLength(3);

  session.received([{ clientId: 'till-0001', connectedAt: 1, cursor: 0, pendingCount: 50, oldestPendingAgeMs: 10, reportedAt: 2 }]);
  expect(session.peers()).toMatchObject([{ clientId: 'till-0001', self: true, online: true, backlog: 50 }]);
  session.disconnected();
  expect(session.peers()).toBeUndefined();
  session.changed();
  await clock.advance(5000);
  expect(sent).toHaveLength(3); // no session, nothing sent
});
