// A sync server for your own data: which collections clients may write, how conflicting writes are
// resolved, named server-side mutations, and who may see which scope. `node server.mjs`.
import { createSyncServer, MutationRejection, serveNode, tokenAuth } from 'syncline/server';

const server = createSyncServer({
  // A SQLite file (fsync on commit); `{ postgres: 'postgres://user@host/db' }` for PostgreSQL.
  database: { sqlite: process.env.NOTES_DB ?? './notes-server.db' },
  // token → scope: a scope is a separate data set (a shop, a team); clients see only their own.
  auth: tokenAuth({ 'alice-token': 'team-a', 'bob-token': 'team-a', 'eve-token': 'team-b' }),
  collections: {
    // Field-level merge: edits to different fields both survive; for a field both sides changed the
    // later write wins (hybrid logical clock), and `likes` adds up every writer's increments.
    notes: { writable: true, conflicts: { merge: { title: 'lww', body: 'lww', likes: 'delta' }, otherFields: 'lww' } },
    // The server's copy wins whenever a client wrote on top of a stale version.
    tags: { writable: true, conflicts: 'server-wins' },
    // `archive` is not listed: clients read it but only the server (the mutation below) writes it.
  },
  mutations: {
    // Runs inside the push transaction, once per mutation however often the client resends it.
    'notes.archive': async (ctx, args) => {
      const id = typeof args === 'object' && args !== null && !Array.isArray(args) ? args.id : undefined;
      if (typeof id !== 'string') throw new MutationRejection('invalid', 'notes.archive takes { id: string }.');
      const note = await ctx.get('notes', id);
      if (note === undefined) throw new MutationRejection('not-found', `There is no note "${id}" to archive.`);
      const number = await ctx.nextCounter('archive'); // gap-free per scope
      await ctx.put('archive', id, { ...note, archivedAt: ctx.createdAt, number });
      await ctx.delete('notes', id);
      return { number };
    },
  },
});

const http = await serveNode(server, { port: Number(process.env.PORT ?? 8788) });
console.log(`notes server listening on ${http.url}`);

async function stop() {
  await http.close();
  await server.close();
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
