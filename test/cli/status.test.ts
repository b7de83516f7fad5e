import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStatus } from '../../src/cli/status.js';
import { BackgroundSyncService } from '../../src/index.js';
import { createFaultTransport } from '../../src/testing/fault-transport.js';
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

  it('shows drain metrics, background jobs and their runs, with the error of a failed run', async () => {
    const dir = tempDir();
    const server = startServer({ sqlitePath: join(dir.path, 'server.db') });
    const path = join(dir.path, 'till.db');
    const transport = createFaultTransport(server.transport(), { seed: 1 });
    const client = await sqliteClient(path, transport);
    const jobs = new BackgroundSyncService(client);
    const id = await jobs.scheduleSync({ direction: 'push' }, 'manual', 'high');
    await client.collection('products').put('p', { n: 1 });
    transport.setFaults({ serverError: 1 });
    await jobs.executePendingJobs();
    await jobs.close();
    await client.close();

    const lines: string[] = [];
    await runStatus(['--db', path, '--json'], { log: (l) => lines.push(l) });
    const status = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(status['metrics']).toMatchObject({ pending: 1, outboxSize: 1, rejected: 0, deadLettered: 0 });
    expect(status['jobs']).toMatchObject([{ id, trigger: 'manual', priority: 'high', attempts: 1 }]);
    expect(status['jobRuns']).toMatchObject([{ jobId: id, outcome: 'failed', error: { code: 'unavailable' } }]);
    lines.length = 0;
    await runStatus(['--db', path], { log: (l) => lines.push(l) });
    const text = lines[0] ?? '';
    expect(text).toMatch(/oldest pending {4}\d/);
    expect(text).toContain('last success      never');
    expect(text).toMatch(new RegExp(`${id}\\s+manual\\s+high\\s+next .*runs 1\\s+failing 1\\s+last failed \\(unavailable\\)`));
    expect(text).toMatch(new RegExp(`${id}\\s+manual\\s+failed .*unavailable: `));
    await server.close();
    dir.remove();
  });
});
