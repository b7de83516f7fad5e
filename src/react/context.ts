/** The client a component tree syncs through: `<SynclineProvider client>` and `useSyncline()`. */
import { createContext, createElement, useContext, type ReactNode } from 'react';
import type { SynclineClient } from '../core/client.js';
import { SynclineError } from '../core/errors.js';

const SynclineContext = createContext<SynclineClient | undefined>(undefined);

export interface SynclineProviderProps {
  /** An open client (`await createClient(...)`). The app owns it: the provider never closes it. */
  client: SynclineClient;
  children?: ReactNode;
}

/** Makes `client` available to the syncline hooks below it. */
export function SynclineProvider(props: SynclineProviderProps): ReactNode {
  return createElement(SynclineContext.Provider, { value: props.client }, props.children);
}

/** A syncline hook ran in a component with no `<SynclineProvider>` above it. */
export class MissingProviderError extends SynclineError {
  override name = 'MissingProviderError' as const;
  constructor() {
    super('invalid-argument', 'A syncline hook was used outside <SynclineProvider>. Render the component inside <SynclineProvider client={client}>, with the client from createClient().');
  }
}

/** The client of the nearest `<SynclineProvider>`; throws `MissingProviderError` without one. */
export function useSyncline(): SynclineClient {
  const client = useContext(SynclineContext);
  if (client === undefined) throw new MissingProviderError();
  return client;
}
