// The exactly-once / order checks must be able to fail: against the deliberately broken server
// (src/testing/broken-server.ts) the same scenario that passes on the real server reports a violation.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSyncServer, tokenAuth } from '../../src/server.js';
import type { SyncServer, SyncServerOptions } from '../../src/server.js';
import { createBrokenSyncServer } from '../../src/testing.js';
import type { BrokenServerFault } from '../../src/testing.js';
import { tempDir } from '../helpers/harness.js';
import { logHandlers } from './log-domain.js';
import { findLogViolation } from './log-scenario.js';

const dir = tempDir('syncline-broken-');
afterAll(() => dir.remove());
const SEED = 7;

function options(name: string): SyncServerOptions {
  return { database: { sqlite: join(dir.path, `${name}.db`) }, auth: tokenAuth({ t1: 'scope-1' }), mutations: logHandlers };
}

async function withServer(server: SyncServer, run: (server: SyncServer) => Promise<string | undefined>): Promise<string | undefined> {
  try {
    return await run(server);
  } finally {
    await server.close();
  }
}

describe('the exactly-once and order checks catch a broken server', () => {
  it('the real server passes the scenario', async () => {
    expect(await withServer(createSyncServer(options('real')), (s) => findLogViolation(s, dir.path, SEED))).toBeUndefined();
  });

  it.each<[BrokenServerFault, RegExp]>([
    ['reapply-resends', /seqs/],
    ['out-of-order', /seqs/],
  ])('%s is reported as a violation', async (fault, pattern) => {
    const violation = await withServer(createBrokenSyncServer(options(fault), fault), (s) => findLogViolation(s, dir.path, SEED + 1));
    expect(violation).toMatch(pattern);
  });
});
