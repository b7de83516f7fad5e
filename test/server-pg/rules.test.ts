// Access rules over real HTTP on loopback with HS256 JWTs, on PostgreSQL (the scenario is
// test/server/rules-scenario.ts; the SQLite run is test/server/rules.test.ts). Generic writes of
// ruled collections leave PostgreSQL's set-based run for the handler, which checks the rules.
import { it } from 'vitest';
import { describePostgres } from '../helpers/postgres.js';
import { runRulesScenario } from '../server/rules-scenario.js';

describePostgres('access rules [postgres]', (pg) => {
  it('deny writes and reads per role; a record that leaves a caller\'s view (record change, revoked role) leaves its client on the next sync', async () => {
    await runRulesScenario({ postgres: await pg.createDatabase() });
  });
});
