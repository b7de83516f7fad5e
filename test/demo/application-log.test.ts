// The sync-layer application log the demo and the crash test count duplicates with: the counting
// rules on their own, and the recorder on a real server, where a resend is answered from the stored
// outcome (not run again) and a rejected run still counts as the mutation's one outcome.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APPLICATIONS_COLLECTION, ApplicationLog, countViolations } from '../../src/demo/application-log.js';
import { receiptHandlers } from '../../src/receipts.js';
import { PROTOCOL_VERSION, type Mutation } from '../../src/protocol/wire.js';
import { serverView, startServer, tempDir } from '../helpers/harness.js';

const run = (clientId: string, mutationId: number) => ({ scope: 's', clientId, mutationId });

describe('countViolations', () => {
  it('counts a second run of one id as a duplicate and a lower id after a higher one as out of order', () => {
    expect(countViolations([run('a', 1), run('a', 2), run('b', 1), run('a', 3)])).toEqual({ duplicates: 0, outOfOrder: 0 });
    expect(countViolations([run('a', 1), run('a', 2), run('a', 2), run('a', 1)])).toEqual({ duplicates: 2, outOfOrder: 0 });
    expect(countViolations([run('a', 3), run('a', 2), run('a', 1), run('b', 1)])).toEqual({ duplicates: 0, outOfOrder: 2 });
    // Ids may skip (generic writes are not recorded); clients and scopes are counted apart.
    expect(countViolations([run('a', 2), run('a', 5), { scope: 't', clientId: 'a', mutationId: 1 }])).toEqual({ duplicates: 0, outOfOrder: 0 });
  });
});

describe('ApplicationLog on a real server', () => {
  it('records each mutation once through resends, rejected ones included', async () => {
    const dir = tempDir();
    const log = new ApplicationLog();
    const server = startServer({ sqlitePath: join(dir.path, 'server.db'), mutations: log.wrap(receiptHandlers) });
    try {
      const transport = server.transport();
      const sale = { id: 'r-1', items: [{ description: 'Espresso', quantity: '1', unitPrice: '1.20', vat: '10' }], issuedAt: 1 };
      const mutations: Mutation[] = [
        { id: 1, name: 'receipts.create', args: sale, createdAt: 1 },
        { id: 2, name: 'receipts.void', args: { id: 'v-1', receiptId: 'nope', reason: 'x' }, createdAt: 2 },
      ];
      const first = await transport.push({ v: PROTOCOL_VERSION, clientId: 'till-0001', mutations });
      expect(first.outcomes.map((o) => o.status)).toEqual(['applied', 'rejected']);
      const resend = await transport.push({ v: PROTOCOL_VERSION, clientId: 'till-0001', mutations });
      expect(resend.outcomes.every((o) => o.duplicate === true)).toBe(true);

      const entries = await serverView(transport, APPLICATIONS_COLLECTION);
      expect(entries).toHaveLength(1); // the rejected run's entry rolled back with it
      expect(log.check(entries)).toEqual({ applications: 2, duplicates: 0, outOfOrder: 0, rolledBack: 0 });
      expect(log.runs().map((r) => [r.mutationId, r.ended])).toEqual([[1, 'returned'], [2, 'rejected']]);
    } finally {
      await server.close();
      dir.remove();
    }
  });
});
