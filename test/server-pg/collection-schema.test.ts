// The collection-schema scenario on PostgreSQL: such collections leave the set-based run for the
// handler, which checks the schema (test/server/collection-schema-scenario.ts).
import { it } from 'vitest';
import { describePostgres } from '../helpers/postgres.js';
import { runCollectionSchemaScenario } from '../server/collection-schema-scenario.js';

describePostgres('collection schemas on the server [postgres]', (pg) => {
  it('reject generic writes that would leave a record the schema refuses', async () => {
    await runCollectionSchemaScenario({ postgres: await pg.createDatabase() });
  });
});
