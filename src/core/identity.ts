/** Client identity: a random id created once per local database and kept there. */
import { META, LOCAL_FORMAT, T } from './local-schema.js';
import { StoredDataError } from './errors.js';
import type { Store } from '../stores/store.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** 22 url-safe characters = 132 random bits from the platform CSPRNG (browsers, RN with polyfill, Node). */
export function randomId(length = 22): string {
  const bytes = new Uint8Array(length);
  globalThis.crypto.getRandomValues(bytes);
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 63];
  return out;
}

/** Read this database's clientId, creating it (and the format marker) on first open. */
export async function loadOrCreateIdentity(store: Store): Promise<string> {
  return store.write(async (tx) => {
    const format = await tx.get(T.meta, META.format);
    if (format !== undefined && format !== LOCAL_FORMAT) {
      throw new StoredDataError(
        `The local database ${store.name} has syncline format ${JSON.stringify(format)}, this version reads ${LOCAL_FORMAT}. ` +
          'Upgrade syncline, or clear the local database (unsynced writes in it would be lost).',
      );
    }
    const existing = await tx.get(T.meta, META.clientId);
    if (typeof existing === 'string') return existing;
    if (existing !== undefined) throw new StoredDataError(`The stored clientId in ${store.name} is not a string; the local database is damaged.`);
    const clientId = randomId();
    await tx.put(T.meta, META.format, LOCAL_FORMAT);
    await tx.put(T.meta, META.clientId, clientId);
    return clientId;
  });
}
