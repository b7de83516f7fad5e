// A named handler whose own network call fails (the service it calls is down: ECONNREFUSED) is a
// failing handler, not a lost database: its attempts count, the client gets 500s rather than 503
// "database unavailable", and after `maxHandlerAttempts` the mutation is dead-lettered so the
// mutations behind it apply. Before, the code alone decided, and such a client was wedged for good.
import { createServer } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import type { MutationHandler } from '../../src/server.js';
import { describeEachDialect, mutation, putNote, writableNotes, type TestServer } from './helpers.js';

const ATTEMPTS = 3;
let t: TestServer;
afterEach(async () => {
  await t.cleanup();
});

/** A loopback port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describeEachDialect('a handler whose own network call fails', (start) => {
  it('counts its attempts, answers 500 (not 503) meanwhile, and dead-letters it after the last one', async () => {
    const port = await closedPort();
    const register: MutationHandler = async () => {
      // What a handler calling a fiscal service that is down meets: fetch failed, cause ECONNREFUSED.
      await fetch(`http://127.0.0.1:${port}/register`, { method: 'POST' });
      return null;
    };
    t = await start({ collections: writableNotes, mutations: { register }, push: { maxHandlerAttempts: ATTEMPTS } });
    const batch = [putNote(1, 'a'), mutation(2, 'register', { receipt: 'r-1' }), putNote(3, 'b')];
    for (let attempt = 1; attempt < ATTEMPTS; attempt++) {
      const response = await t.push(batch);
      expect(response.status).toBe(500);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('internal');
    }
    const answer = await t.pushOk(batch);
    expect(answer.lastMutationId).toBe(3);
    expect(answer.outcomes.map((o) => [o.id, o.status, o.status === 'rejected' ? o.code : undefined])).toEqual([
      [1, 'applied', undefined], [2, 'rejected', 'handler-failed'], [3, 'applied', undefined],
    ]);
    expect(answer.outcomes[1]).toMatchObject({ message: 'fetch failed' });
  });
});
