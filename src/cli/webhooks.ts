/**
 * `syncline webhooks add|list|remove|deliveries --db FILE | --postgres URL`: manage outgoing webhook
 * subscriptions of a server database and inspect their deliveries (pending, delivered, dead).
 * Goes through the server's own API (`server.webhooks`, `server.effects`), so the schema is migrated
 * and validated the same way; no worker runs (no `webhooks: true`), nothing is delivered from here.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createSyncServer } from '../server/sync-server.js';
import { WEBHOOK_EFFECT } from '../server/webhooks/index.js';

export const WEBHOOKS_USAGE = `syncline webhooks add --db FILE --url URL [--events a,b] [--collections receipts,notes [--ops put,patch,delete,increment]]   (or --postgres URL instead of --db)
syncline webhooks list|deliveries --db FILE [--json]
syncline webhooks remove --db FILE --id ID`;

export async function runWebhooksCommand(argv: string[], out: { log(line: string): void }): Promise<number> {
  const [action, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { db: { type: 'string' }, postgres: { type: 'string' }, url: { type: 'string' }, events: { type: 'string' }, collections: { type: 'string' }, ops: { type: 'string' }, id: { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const database = values.postgres !== undefined ? { postgres: values.postgres } : values.db !== undefined ? { sqlite: values.db } : undefined;
  if (database === undefined) throw new Error(`--db FILE or --postgres URL is required.\n\n${WEBHOOKS_USAGE}`);
  // Opening a missing SQLite path would create an empty database; refuse instead.
  if ('sqlite' in database && !existsSync(database.sqlite)) throw new Error(`No server database at ${database.sqlite}.`);
  const server = createSyncServer({ database, auth: () => null });
  const show = (value: unknown, line: string): void => out.log(values.json ? JSON.stringify(value) : line);
  try {
    switch (action) {
      case 'add': {
        if (values.url === undefined || (values.events === undefined && values.collections === undefined)) throw new Error(`add needs --url and --events or --collections.\n\n${WEBHOOKS_USAGE}`);
        const list = (text: string | undefined): string[] | undefined => text?.split(',').map((e) => e.trim());
        const ops = list(values.ops) as Array<'put' | 'patch' | 'delete' | 'increment'> | undefined;
        const collections = list(values.collections);
        const sub = await server.webhooks.add({ url: values.url, events: list(values.events) ?? [], ...(collections === undefined ? {} : { collections }), ...(ops === undefined ? {} : { operations: ops }) });
        show(sub, `${sub.id} ${sub.url} [${describe(sub)}] secret ${sub.secrets[0] ?? ''}`);
        return 0;
      }
      case 'list': {
        const subs = await server.webhooks.list();
        show(subs, subs.map((s) => `${s.id} ${s.url} [${describe(s)}] ${s.secrets.length} secret(s)`).join('\n') || '(no subscriptions)');
        return 0;
      }
      case 'remove': {
        if (values.id === undefined) throw new Error(`remove needs --id.\n\n${WEBHOOKS_USAGE}`);
        const removed = await server.webhooks.remove(values.id);
        show({ removed }, removed ? `removed ${values.id}` : `no subscription ${values.id}`);
        return removed ? 0 : 1;
      }
      case 'deliveries': {
        const deliveries = await server.effects.list({ name: WEBHOOK_EFFECT, limit: 1000 });
        const dead = (await server.effects.deadLetters({ status: 'all', limit: 1000 })).filter((d) => d.name === WEBHOOK_EFFECT);
        show({ deliveries, dead }, [...deliveries.map((d) => `${d.id} ${d.status} attempts ${d.attempts}${d.lastError === undefined ? '' : ` last error: ${d.lastError}`}`), ...dead.map((d) => `${d.id} dead-letter(${d.status}) attempts ${d.attempts}: ${d.error}`)].join('\n') || '(no deliveries)');
        return 0;
      }
      default:
        throw new Error(`Unknown webhooks action ${JSON.stringify(action)}.\n\n${WEBHOOKS_USAGE}`);
    }
  } finally {
    await server.close();
  }
}

/** `order.created,record.changed:receipts(put,delete)`: its events, then its record-change collections. */
function describe(sub: { events: string[]; collections?: string[]; operations?: string[] }): string {
  const changes = sub.collections === undefined ? [] : [`record.changed:${sub.collections.join('+')}${sub.operations === undefined ? '' : `(${sub.operations.join(',')})`}`];
  return [...sub.events, ...changes].join(',');
}
