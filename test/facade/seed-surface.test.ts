// The seed's type-level API: `class … extends SyncPlugin` runs its hooks in a real sync next to an
// object-literal plugin, and `SyncEventTypeMap` maps each event type to what a listener receives.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { SyncPlugin, type SyncContext, type SyncCycleResult, type SyncEventOf, type SyncEventType, type SyncEventTypeMap, type SynclineClient } from '../../src/index.js';
import { memoryClient, startServer, tempDir, type TestServer } from '../helpers/harness.js';

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
const clients: SynclineClient[] = [];

beforeEach(() => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db') });
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await server.close();
  dir.remove();
});

class AuditPlugin extends SyncPlugin {
  readonly seen: string[] = [];
  override beforeSync(ctx: SyncContext): void {
    this.seen.push(`before:${ctx.direction}`);
  }
  override async afterSync(result: SyncCycleResult): Promise<void> {
    this.seen.push(`after:${result.outcome}:${result.pushed.applied}`);
  }
}

class FailingPlugin extends SyncPlugin {
  constructor() {
    super('stock-guard');
  }
  override beforePush(): void {
    throw new Error('stock below zero');
  }
}

describe('SyncPlugin as a base class', () => {
  it('a subclass runs its hooks in a real sync, alongside an object-literal plugin', async () => {
    const audit = new AuditPlugin();
    const literal: string[] = [];
    const client = await memoryClient(server.transport(), { plugins: [audit, { name: 'literal', afterSync: (r) => void literal.push(r.outcome) }] });
    clients.push(client);
    await client.collection('products').put('p', { n: 1 });
    await client.sync();
    expect(audit.seen).toEqual(['before:both', 'after:completed:1']);
    expect(literal).toEqual(['completed']);
    expect(audit.name).toBe('AuditPlugin'); // the class name when none is given
  });

  it('a failing subclass hook is reported with the name it gave', async () => {
    const client = await memoryClient(server.transport(), { plugins: [new FailingPlugin()] });
    clients.push(client);
    await client.collection('products').put('p', { n: 1 });
    await expect(client.sync()).rejects.toMatchObject({ name: 'PluginError', plugin: 'stock-guard', hook: 'beforePush' });
    expect(await client.pendingCount()).toBe(1);
  });
});

describe('SyncEventTypeMap', () => {
  it('maps every event type to the event a listener receives', () => {
    expectTypeOf<SyncEventTypeMap['sync.completed']>().toEqualTypeOf<SyncEventOf<'sync.completed'>>();
    expectTypeOf<SyncEventTypeMap['sync.progress']['done']>().toEqualTypeOf<number>();
    expectTypeOf<keyof SyncEventTypeMap>().toEqualTypeOf<SyncEventType>();
  });
});
