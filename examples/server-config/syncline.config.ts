// `syncline serve --config syncline.config.ts`: a sync server for your own data without writing the
// server program. Secrets and URLs come from the environment (SYNCLINE_DB_URL, SYNCLINE_JWT_SECRET…),
// which wins over this file; command-line flags win over both.
import { defineConfig, MutationRejection } from 'syncline/server';

export default defineConfig({
  database: './data/notes.db', // or postgres://… — better set SYNCLINE_DB_URL
  port: 8787,
  auth: { tokens: { 'alice-token': 'team-a', 'eve-token': 'team-b' } }, // token → scope
  collections: {
    // Edits to different fields both survive; `likes` adds up every writer's increments.
    notes: { writable: true, conflicts: { merge: { title: 'lww', body: 'lww', likes: 'delta' } } },
    tags: { writable: true, conflicts: 'server-wins' },
  },
  mutations: {
    // Runs inside the push transaction, once per mutation however often the client resends it.
    'notes.archive': async (ctx, args) => {
      const id = typeof args === 'object' && args !== null && !Array.isArray(args) ? args.id : undefined;
      if (typeof id !== 'string') throw new MutationRejection('invalid', 'notes.archive takes { id: string }.');
      const note = await ctx.get('notes', id);
      if (note === undefined) throw new MutationRejection('not-found', `There is no note "${id}" to archive.`);
      const number = await ctx.nextCounter('archive'); // gap-free per scope
      await ctx.put('archive', id, { ...note, number });
      await ctx.delete('notes', id);
      return { number }; // the client sees it as the mutation's result
    },
  },
  limits: { rate: { perToken: { perSecond: 50, burst: 100 } }, maxBodyBytes: 1_048_576 },
  tombstones: { retainDays: 30 },
  drainSeconds: 10,
  // Any other createSyncServer option, passed through as it is (e.g. rules, webhooks, push, basePath).
  server: { push: { maxHandlerAttempts: 5 } },
});
