/**
 * Validation of the seed-style `SyncOptions` where they enter (`executeSync`, `scheduleSync`): plain
 * JavaScript callers and options built from config files would otherwise pass a misspelt key
 * (`priorty`) or value (`'bidirectonal'`) that silently means "default".
 */
import { InvalidArgumentError } from '../core/errors.js';

const ALLOWED: Record<string, readonly string[] | 'collections'> = {
  operation: ['delta', 'full'],
  direction: ['push', 'pull', 'bidirectional'],
  strategy: ['batched'],
  priority: ['high', 'normal', 'low', 'critical'],
  collections: 'collections',
};

/** Throws `InvalidArgumentError` naming the key and the accepted values. */
export function checkSyncOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(`Sync options must be an object such as { operation: 'delta' }, got ${describe(options)}.`);
  }
  for (const [key, value] of Object.entries(options)) {
    const allowed = ALLOWED[key];
    if (allowed === undefined) {
      throw new InvalidArgumentError(`Unknown sync option "${key}". Accepted: ${Object.keys(ALLOWED).join(', ')}.`, { details: { key } });
    }
    if (value === undefined) continue;
    if (allowed === 'collections') checkCollections(value);
    else if (typeof value !== 'string' || !allowed.includes(value)) {
      const why = key === 'strategy' ? ' (requests are always batched; batch sizes come from the planner)' : '';
      throw new InvalidArgumentError(`Sync option ${key} must be one of ${allowed.map((v) => `'${v}'`).join(', ')}${why}, got ${describe(value)}.`, { details: { key } });
    }
  }
}

function checkCollections(value: unknown): void {
  if (!Array.isArray(value) || !value.every((name) => typeof name === 'string' && name !== '')) {
    throw new InvalidArgumentError(`Sync option collections must be an array of collection names, got ${describe(value)}.`, { details: { key: 'collections' } });
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
}
