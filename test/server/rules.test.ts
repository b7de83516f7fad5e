// Access rules over real HTTP on loopback with HS256 JWTs, on SQLite (the PostgreSQL run is
// test/server-pg/rules.test.ts); the scenario itself is in rules-scenario.ts.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSyncServer, jwtAuth } from '../../src/server.js';
import { tempDir } from './helpers.js';
import { SECRET } from './jwt-helpers.js';
import { runRulesScenario } from './rules-scenario.js';

describe('access rules [sqlite]', () => {
  it('deny writes and reads per role; a record that leaves a caller\'s view (record change, revoked role) leaves its client on the next sync', async () => {
    const dir = tempDir();
    try {
      await runRulesScenario({ sqlite: join(dir, 'server.db') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a malformed rules option at construction', () => {
    const auth = jwtAuth({ secret: SECRET });
    expect(() => createSyncServer({ database: { sqlite: ':memory:' }, auth, rules: { notes: { read: true } as never } })).toThrow(/rules\.notes\.read must be a function/);
    expect(() => createSyncServer({ database: { sqlite: ':memory:' }, auth, rules: { notes: { reed: () => true } as never } })).toThrow(/unknown key\(s\) reed/);
  });
});
