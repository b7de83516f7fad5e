// The server's 400 bodies are built from the zod/mini wire schemas through describeIssues: a client
// developer reading one must learn which field is wrong and why, as with classic zod before.
import { afterEach, describe, expect, it } from 'vitest';
import { putNote, startServer, writableNotes, type TestServer } from '../server/helpers.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

async function messageOf(response: Response): Promise<string> {
  expect(response.status).toBe(400);
  return ((await response.json()) as { error: { message: string } }).error.message;
}

describe('400 messages for requests that do not match the protocol', () => {
  it('name the field and what is wrong with it', async () => {
    t = startServer({ collections: writableNotes });
    const client = 'client-aaaa-0001';
    expect(await messageOf(await t.post('/v1/push', { v: 1, clientId: client, mutations: [{ ...putNote(1, 'a'), id: 0 }] }))).toBe(
      'Invalid request: mutations.0.id: must be a whole number >= 1',
    );
    expect(await messageOf(await t.post('/v1/push', { v: 1, clientId: client, mutations: [] }))).toBe('Invalid request: mutations: must have 1-1000 mutations');
    expect(await messageOf(await t.post('/v1/pull', { v: 1, clientId: client, cursor: 0, limit: 5, extra: true }))).toBe('Invalid request: (root): Unrecognized key: "extra"');
    expect(await messageOf(await t.post('/v1/pull', { v: 1, clientId: client, cursor: 0 }))).toMatch(/^Invalid request: limit: Invalid input: expected number/);
    expect(await messageOf(await t.post('/v1/pull', { v: 1, clientId: client, cursor: 0, limit: 5, collection: '9x' }))).toBe(
      'Invalid request: collection: collection names are 1-64 letters, digits, "_", "." or "-", starting with a letter',
    );
  });
});
