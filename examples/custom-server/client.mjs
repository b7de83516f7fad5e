// A client of the notes server: generic writes to the writable collections, and the server-side
// `notes.archive` mutation. `node client.mjs` (after `node server.mjs`).
import { createClient, createHttpTransport } from 'syncline';
import { openSqliteStore } from 'syncline/sqlite';

const client = await createClient({
  store: await openSqliteStore(process.env.NOTES_CLIENT_DB ?? './notes-client.db'),
  transport: createHttpTransport({ url: process.env.NOTES_URL ?? 'http://127.0.0.1:8788', token: process.env.NOTES_TOKEN ?? 'alice-token' }),
  // Optimistic local effect of the named mutation, so the UI shows it before the server confirms.
  mutators: { 'notes.archive': (args) => [{ op: 'delete', collection: 'notes', key: args.id }] },
});
client.on('mutation.rejected', (e) => console.warn(`refused (${e.code}): ${e.message}`));

const notes = client.collection('notes');
const id = `note-${crypto.randomUUID()}`;
await notes.put(id, { title: 'Groceries', body: 'milk, bread', likes: 0 });
await notes.increment(id, 'likes', 1);
await client.sync();

await client.mutate('notes.archive', { id });
await client.mutate('notes.archive', { id: 'no-such-note' }); // refused for good; the queue goes on
await client.sync();

const archived = await client.collection('archive').get(id);
console.log(JSON.stringify({ archived: archived?.title, likes: archived?.likes, notesLeft: (await notes.list()).length, refused: (await client.rejectedMutations()).length }));
await client.close();
