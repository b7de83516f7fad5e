/** `server.close({ drainMs })` through the fetch boundary: drain, refuse new work, end streams with a hint. */
import { describe, expect, it } from 'vitest';
import type { MutationHandler } from '../../src/server.js';
import { mutation, recordingLogger, startServer } from './helpers.js';

/** A handler that waits until the test opens the gate, so a request is provably in progress. */
function gated(): { handlers: Record<string, MutationHandler>; entered: Promise<void>; open(): void } {
  let open!: () => void;
  let entered!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const enteredPromise = new Promise<void>((resolve) => (entered = resolve));
  return {
    handlers: {
      slow: async (ctx) => {
        entered();
        await gate;
        await ctx.put('notes', 'slow', { done: true });
        return 'done';
      },
    },
    entered: enteredPromise,
    open,
  };
}

describe('server.close({ drainMs })', () => {
  it('lets the running push finish, answers new requests 503 with Retry-After, ends event streams with a reconnect hint', async () => {
    const gate = gated();
    const t = startServer({ mutations: gate.handlers });
    const events = await t.server.fetch(new Request('http://test/v1/events', { headers: { authorization: 'Bearer token-a' } }));
    const streamed = events.text();
    const running = t.push([mutation(1, 'slow', null)]);
    await gate.entered;
    const closing = t.server.close({ drainMs: 60_000 });
    const refused = await t.server.fetch(new Request('http://test/v1/health'));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    expect(await streamed).toMatch(/retry: 1000\nevent: shutdown\ndata: \{"v":1,"reconnectInMs":1000\}\n\n$/);
    gate.open();
    const answer = await running;
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { outcomes: Array<{ status: string }> }).outcomes[0]?.status).toBe('applied');
    await closing;
    await t.cleanup();
  });

  it('stops waiting at the deadline and says so', async () => {
    const gate = gated();
    const { logger, entries } = recordingLogger();
    const t = startServer({ mutations: gate.handlers, logger });
    const running = t.push([mutation(1, 'slow', null)]);
    await gate.entered;
    await t.server.close({ drainMs: 0 });
    expect(entries.some((e) => e.level === 'warn' && /drain deadline/.test(e.message))).toBe(true);
    // The abandoned request ends without an acknowledgement (its client resends).
    gate.open();
    expect((await running).status).toBeGreaterThanOrEqual(500);
    await t.cleanup();
  });

  it('refuses a negative drainMs', () => {
    const t = startServer();
    expect(() => t.server.close({ drainMs: -1 })).toThrow(/drainMs/);
    return t.cleanup();
  });
});
