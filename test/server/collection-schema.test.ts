import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSyncServer, tokenAuth } from '../../src/server.js';
import { tempDir } from '../helpers/harness.js';
import { runCollectionSchemaScenario } from './collection-schema-scenario.js';

describe('collection schemas on the server [sqlite]', () => {
  it('reject generic writes that would leave a record the schema refuses, including combinations no client saw', async () => {
    const dir = tempDir();
    try {
      await runCollectionSchemaScenario(join(dir.path, 'server.db'));
    } finally {
      dir.remove();
    }
  });

  it('refuse a schema that is not a Standard Schema when the server is created', () => {
    expect(() => createSyncServer({ database: { sqlite: ':memory:' }, auth: tokenAuth({}), collections: { x: { writable: true, schema: {} as never } } })).toThrow(/collections\.x\.schema/);
  });
});
