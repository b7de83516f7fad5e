// Property (PostgreSQL): test/server/rules-property.ts on a throwaway database.
import { it } from 'vitest';
import { describePostgres } from '../helpers/postgres.js';
import { checkRulesProperty } from '../server/rules-property.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? (process.env['CI'] ? 25 : 10));
const SEED = Number(process.env['PROPERTY_SEED'] ?? 20261203);

describePostgres('access rules property [postgres]', (pg) => {
  it('the server holds exactly the allowed writes; each client exactly its readable view', async () => {
    await checkRulesProperty({ postgres: await pg.createDatabase() }, RUNS, SEED);
  }, 180_000);
});
