// Pushes of one client queue behind each other on a server instance, which is what lets a client
// pipeline its batches (src/server/push-queue.ts): a batch sent before its predecessor was answered
// waits for it instead of being refused as a gap, in whichever order the two arrive. A real gap is
// still a 409, and a client cannot park unbounded work in the queue.
import { afterEach, expect, it } from 'vitest';
import type { MutationHandler } from '../../src/server.js';
import type { PushResponse } from '../../src/protocol/wire.js';
import { MAX_QUEUED_PUSHES_PER_CLIENT } from '../../src/server/push-queue.js';
import { describeEachDialect, mutation, pullAll, putNote, writableNotes, type TestServer } from './helpers.js';

let t: TestServer;
afterEach(async () => {
  await t.cleanup();
});

/** A handler that waits until `open()` is called: it keeps its push in progress for as long as a test needs. */
function gate(): { handler: MutationHandler; entered: Promise<void>; open(): void } {
  let open!: () => void;
  let entered!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const inside = new Promise<void>((resolve) => (entered = resolve));
  return {
    handler: async (ctx) => {
      entered();
      await opened;
      await ctx.put('notes', 'gated', { at: ctx.mutationId });
      return undefined;
    },
    entered: inside,
    open,
  };
}

async function ok(response: Promise<Response>): Promise<PushResponse> {
  const r = await response;
  expect(r.status, await r.clone().text()).toBe(200);
  return (await r.json()) as PushResponse;
}

describeEachDialect('push queue', (start) => {
  it('a batch sent while its predecessor is still being applied waits for it instead of meeting a gap', async () => {
    const g = gate();
    t = await start({ collections: writableNotes, mutations: { slow: g.handler } });
    const first = t.push([putNote(1, 'a'), mutation(2, 'slow', null)]);
    await g.entered;
    const second = t.push([putNote(3, 'b'), putNote(4, 'c')]);
    // Give the second request every chance to be decided while the first is held.
    await new Promise((resolve) => setTimeout(resolve, 50));
    g.open();
    expect((await ok(first)).lastMutationId).toBe(2);
    const answer = await ok(second);
    expect(answer.lastMutationId).toBe(4);
    expect(answer.outcomes.map((o) => [o.id, o.status, o.duplicate ?? false])).toEqual([[3, 'applied', false], [4, 'applied', false]]);
    expect([...(await pullAll(t)).keys()].sort()).toEqual(['notes/a', 'notes/b', 'notes/c', 'notes/gated']);
  });

  it('a batch that arrives before its predecessor waits for it to arrive and then goes second', async () => {
    t = await start({ collections: writableNotes });
    const second = t.push([putNote(3, 'b')]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const first = t.push([putNote(1, 'a'), putNote(2, 'z')]);
    expect((await ok(first)).lastMutationId).toBe(2);
    expect((await ok(second)).outcomes).toEqual([{ id: 3, status: 'applied', version: 3 }]);
  });

  it('a gap no other push of the client fills is still refused with 409, and applies nothing', async () => {
    t = await start({ collections: writableNotes });
    await t.pushOk([putNote(1, 'a')]);
    const response = await t.push([putNote(3, 'c')]);
    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('mutation-gap');
    expect([...(await pullAll(t)).keys()]).toEqual(['notes/a']);
  });

  it('a failed predecessor does not wedge the batch behind it: that one meets the gap the failure left', async () => {
    let fail = true;
    const g = gate();
    t = await start({
      collections: writableNotes,
      mutations: {
        slow: g.handler,
        flaky: () => {
          if (fail) throw new Error('the disk is on fire');
          return null;
        },
      },
    });
    const first = t.push([putNote(1, 'a'), mutation(2, 'slow', null), mutation(3, 'flaky', null)]);
    await g.entered;
    const second = t.push([putNote(4, 'b')]);
    g.open();
    expect((await first).status).toBe(500);
    expect((await second).status).toBe(409);
    fail = false;
    expect((await t.pushOk([mutation(3, 'flaky', null), putNote(4, 'b')])).lastMutationId).toBe(4);
  });

  it(`refuses more than ${MAX_QUEUED_PUSHES_PER_CLIENT} pushes of one client in progress with 429 and Retry-After`, async () => {
    const g = gate();
    t = await start({ collections: writableNotes, mutations: { slow: g.handler } });
    const held = t.push([mutation(1, 'slow', null)]);
    await g.entered;
    // The same batch each time (a client resending), so the order they queue in does not matter.
    const queued = Array.from({ length: MAX_QUEUED_PUSHES_PER_CLIENT - 1 }, () => t.push([putNote(2, 'q')]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await t.push([putNote(2, 'q')]);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    g.open();
    expect((await held).status).toBe(200);
    for (const q of queued) expect((await q).status).toBe(200);
  });
});
