// A short seeded scenario that can see a duplicate or a reordering at the sync layer: one device
// appends `log.append` mutations through a lossy transport (lost responses make it resend), syncs
// until quiet, and the server's log — one record per application, numbered by a server counter —
// must hold seqs 1..n exactly once, in order. Returns the violation, or undefined.
import { join } from 'node:path';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { createFaultTransport } from '../../src/testing/fault-transport.js';
import { serverView, sqliteClient } from '../helpers/harness.js';
import type { SyncServer } from '../../src/server.js';

export async function findLogViolation(server: SyncServer, dir: string, seed: number, appends = 12): Promise<string | undefined> {
  const inner = createHttpTransport({ url: 'http://syncline.test', token: 't1', fetch: (request) => server.fetch(request) });
  const transport = createFaultTransport(inner, { seed, lostResponse: 0.5 });
  const client = await sqliteClient(join(dir, `device-${seed}.db`), transport);
  try {
    for (let seq = 1; seq <= appends; seq++) {
      await client.mutate('log.append', { seq });
      if (seq % 4 === 0) await client.sync().catch(() => undefined);
    }
    transport.setFaults({ lostResponse: 0 });
    for (let i = 0; i < 5 && (await client.pendingCount()) > 0; i++) await client.sync().catch(() => undefined);
    const log = await serverView(inner, 'log');
    const seqs = log.filter((r) => r.value['clientId'] === client.clientId).map((r) => r.value['seq']);
    const expected = Array.from({ length: appends }, (_, i) => i + 1);
    if (JSON.stringify(seqs) === JSON.stringify(expected)) return undefined;
    return `server log seqs ${JSON.stringify(seqs)}, expected ${JSON.stringify(expected)} (each once, in order)`;
  } finally {
    await client.close();
  }
}
