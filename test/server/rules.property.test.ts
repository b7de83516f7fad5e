// Property (SQLite): random puts and deletes by clients whose roles change at random; the server
// applies exactly the writes the rules allow and every client holds exactly what its role may read.
// The PostgreSQL run is test/server-pg/rules.property.test.ts; the property is rules-property.ts.
import { it } from 'vitest';
import { checkRulesProperty } from './rules-property.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? (process.env['CI'] ? 50 : 20));
const SEED = Number(process.env['PROPERTY_SEED'] ?? 20261203);

it('access rules [sqlite]: the server holds exactly the allowed writes; each client exactly its readable view', async () => {
  await checkRulesProperty({ sqlite: ':memory:' }, RUNS, SEED);
}, 120_000);
