/**
 * The default-client registry: how the seed-style facades (`new ProgressiveSyncEngine()`,
 * `new BackgroundSyncService()`) find their client when none is passed in.
 *
 * This is the one piece of module-wide state in the client library, and it is opt-in: nothing is
 * registered until the app calls `setDefaultClient(client)`. A client passed to a facade's constructor
 * always wins. Closing the registered client unregisters it (so a facade never drives a closed client
 * by accident); `setDefaultClient(undefined)` unregisters explicitly. A server running many engines in
 * one process should pass each facade its client and never register one.
 *
 * @example
 * const client = await createClient({ store, transport });
 * setDefaultClient(client);
 * const engine = new ProgressiveSyncEngine(); // uses `client`
 */
import type { SynclineClient } from '../core/client.js';
import { SynclineError } from '../core/errors.js';

let registered: SynclineClient | undefined;

/** Register the client facades use when none is passed to them; `undefined` unregisters. */
export function setDefaultClient(client: SynclineClient | undefined): void {
  registered = client;
}

/** The registered default client, or undefined. */
export function getDefaultClient(): SynclineClient | undefined {
  return registered;
}

/**
 * Unregister `client` if it is the default (the client's `close()` calls this). A no-op for any
 * other client, so closing a second client does not unregister the app's default.
 */
export function forgetDefaultClient(client: SynclineClient): void {
  if (registered === client) registered = undefined;
}

/** Thrown when a facade needs a client, none was passed and none is registered. */
export class NoClientError extends SynclineError {
  override name = 'NoClientError' as const;
  constructor(facade: string) {
    super(
      'invalid-argument',
      `${facade} has no client: pass one (\`new ${facade}(client)\`) or register a default first ` +
        '(`setDefaultClient(await createClient({ store, transport }))`). If a default was registered, it was closed.',
      { details: { facade } },
    );
  }
}

/** The client a facade should use now: the injected one, else the registered default. */
export function resolveClient(injected: SynclineClient | undefined, facade: string): SynclineClient {
  const client = injected ?? registered;
  if (client === undefined) throw new NoClientError(facade);
  return client;
}
