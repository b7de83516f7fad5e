import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStatus } from '../../src/cli/status.js';
import { sqliteClient, startServer, tempDir } from '../helpers/harness.js';

describe('syncline status', () => {
  it('shows identity, outbox and the recorded runs of a client database', async () => {
    const dir = tempDir();
    const server = startServer({ sqlitePath: join(dir.path, 'server.db') });
    const path = join(dir.path, 'till.db');
    const client = await sqliteClient(path, server.transport());
    await client.collection('products').put('p', { n: 1 });
    await client.sync();
    await client.collection('products').put('q', { n: 2 });
    const clientId = client.clientId;
    await client.close();
    const lines: string[] = [];
    expect(await runStatus(['--db', path, '--json'], { log: (l) => lines.push(l) })).toBe(0);
    const status = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(status).toMatchObject({ clientId, cursor: 1, outbox: 1, unsettled: 1, confirmedRecords: 1 });
    expect(status['runs']).toEqual([expect.objectContaining({ outcome: 'completed', verify: expect.objectContaining({ status: 'verified' }) })]);
    lines.length = 0;
    await runStatus(['--db', path], { log: (l) => lines.push(l) });
    expect(lines[0]).toContain(`clientId          ${clientId}`);
    expect(lines[0]).toMatch(/completed\s+pushed 1\+0r\s+pulled 1\s+verify verified/);
    await expect(runStatus(['--db', join(dir.path, 'missing.db')], { log: () => undefined })).rejects.toThrow(/No client database/);
    await server.close();
    dir.remove();
  });
});
