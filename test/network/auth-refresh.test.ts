// 401 handling against a real server: exactly one refresh per expiry, at most one resend, no loops.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type SyncEvent } from '../../src/index.js';
import { createSyncServer, type SyncServer } from '../../src/server.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { tempDir } from '../helpers/harness.js';
import { VirtualClock } from './virtual-clock.js';

let dir: ReturnType<typeof tempDir>;
let server: SyncServer;
/** Tokens the server accepts right now. */
let valid: Set<string>;
/** Every token the server was shown, in order (one entry per request that reached it). */
let seen: string[];
/** The app's token source: a cache plus a refresh that mints a new token. */
let cached: string;
let refreshes: number;
let mintValid: boolean;

beforeEach(() => {
  dir = tempDir();
  valid = new Set(['t0']);
  seen = [];
  cached = 't0';
  refreshes = 0;
  mintValid = true;
  server = createSyncServer({
    database: { sqlite: join(dir.path, 'server.db') },
    auth: (request) => {
      const token = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
      seen.push(token);
      return valid.has(token) ? { scope: 'shop' } : null;
    },
  });
});

afterEach(async () => {
  await server.close();
  dir.remove();
});

function transport() {
  return createHttpTransport({
    url: 'http://syncline.test',
    fetch: (request) => server.fetch(request),
    token: async ({ reason }) => {
      if (reason === 'refresh') {
        refreshes += 1;
        await new Promise((resolve) => setTimeout(resolve, 5)); // a real token endpoint takes a while
        cached = `t${refreshes}`;
        if (mintValid) valid.add(cached);
      }
      return cached;
    },
  });
}

const pull = { v: 1 as const, clientId: 'client-auth-0001', cursor: 0, limit: 10 };

function expire(): void {
  valid.clear();
}

describe('auth refresh', () => {
  it('one refresh per expiry and one resend; later requests use the fresh token directly', async () => {
    const http = transport();
    await http.pull(pull);
    expire();
    await http.pull(pull);
    await http.pull(pull);
    expect(refreshes).toBe(1);
    expect(seen).toEqual(['t0', 't0', 't1', 't1']);
    expire();
    await http.pull(pull);
    expect(refreshes).toBe(2);
  });

  it('concurrent requests that all hit the expiry share one refresh', async () => {
    const http = transport();
    expire();
    await Promise.all([http.pull(pull), http.pull(pull), http.pull(pull), http.health()]);
    expect(refreshes).toBe(1);
    expect(seen.filter((t) => t === 't0')).toHaveLength(3);
    expect(seen.filter((t) => t === 't1')).toHaveLength(3);
  });

  it('a second 401 is a non-retryable unauthenticated error, and the refused token is not sent again', async () => {
    const http = transport();
    mintValid = false;
    expire();
    await expect(http.pull(pull)).rejects.toMatchObject({ code: 'unauthenticated', retryable: false, status: 401 });
    expect(seen).toEqual(['t0', 't1']);
    expect(refreshes).toBe(1);
    await expect(http.pull(pull)).rejects.toMatchObject({ code: 'unauthenticated', retryable: false });
    expect(seen).toHaveLength(2); // fails fast: no request storm
    expect(refreshes).toBe(1);
  });

  it('the client emits auth.failed, stays quiet through writes and time, and resumes on requestSync with new credentials', async () => {
    const clock = new VirtualClock();
    mintValid = false;
    expire();
    const client = await createClient({ store: createMemoryStore(), transport: transport(), timers: clock, pullIntervalMs: 1000, random: () => 0.5 });
    const events: SyncEvent[] = [];
    client.subscribe((e) => events.push(e));
    await clock.advance(10);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await clock.advance(10);
    expect(events.filter((e) => e.type === 'auth.failed')).toHaveLength(1);
    const sent = seen.length;
    expect(sent).toBe(2);

    for (let i = 0; i < 5; i += 1) await client.collection('notes').put(`n${i}`, { text: 'offline-ish' });
    await clock.advance(60_000);
    expect(seen.length).toBe(sent);
    expect(refreshes).toBe(1);

    cached = 'fresh';
    valid.add('fresh');
    client.requestSync();
    await clock.advance(10);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await clock.advance(10);
    expect(seen.slice(sent)[0]).toBe('fresh');
    await client.close();
  });
});
