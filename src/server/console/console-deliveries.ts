/**
 * The console's view of server-side effects and outgoing webhook deliveries, read only through the
 * public `server.effects` API (the storage behind it is the effects module's business): what waits,
 * what was delivered lately, and what was dead-lettered (replayable). Webhook deliveries are the
 * effects named `syncline.webhook`; the console shows them apart from the application's effects.
 */
import type { EffectDeadLetter, EffectInfo, EffectsAdmin } from '../effects/types.js';

const WEBHOOK_PREFIX = 'syncline.webhook';
const READ_LIMIT = 200;
const SHOWN = 25;

export interface DeliveryList {
  pending: EffectInfo[];
  /** The most recent of the delivered ones read (newest first). */
  delivered: EffectInfo[];
  deadLetters: EffectDeadLetter[];
  /** Counts among what was read (each list reads at most 200 rows: "200+" means more). */
  counts: { pending: number; delivered: number; dead: number };
}

export interface DeliveriesView {
  effects: DeliveryList;
  webhooks: DeliveryList;
  /** Set when the effects API could not be read (the rest of the console still shows). */
  error?: string;
}

export async function readDeliveries(admin: EffectsAdmin): Promise<DeliveriesView> {
  try {
    const [pending, delivered, dead] = await Promise.all([
      admin.list({ status: 'pending', limit: READ_LIMIT }),
      admin.list({ status: 'delivered', limit: READ_LIMIT }),
      admin.deadLetters({ status: 'all', limit: READ_LIMIT }),
    ]);
    const isWebhook = (e: { name: string }): boolean => e.name.startsWith(WEBHOOK_PREFIX);
    const split = (webhooks: boolean): DeliveryList => {
      const mine = <T extends { name: string }>(list: T[]): T[] => list.filter((e) => isWebhook(e) === webhooks);
      const p = mine(pending);
      const d = mine(delivered);
      const x = mine(dead);
      return {
        pending: p.slice(0, SHOWN),
        delivered: d.slice(-SHOWN).reverse(),
        deadLetters: x.slice(-SHOWN).reverse(),
        counts: { pending: p.length, delivered: d.length, dead: x.filter((e) => e.status === 'dead').length },
      };
    };
    return { effects: split(false), webhooks: split(true) };
  } catch (error) {
    const empty: DeliveryList = { pending: [], delivered: [], deadLetters: [], counts: { pending: 0, delivered: 0, dead: 0 } };
    return { effects: empty, webhooks: empty, error: error instanceof Error ? error.message : String(error) };
  }
}
