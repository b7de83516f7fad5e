// A real React renderer (react-dom/client) on happy-dom, a real server on loopback, and real clients
// on the memory store. Every render is recorded per commit, so tests judge what the user saw.
import { createRoot, type Root } from 'react-dom/client';
import { createElement, type ReactNode } from 'react';
import { createClient, createHttpTransport, createMemoryStore, type SynclineClient } from '../../src/index.js';
import { join } from 'node:path';
import { REPO, startProcess } from '../examples/user-project.js';
import { SynclineProvider } from '../../src/react.js';
import { tempDir } from '../helpers/harness.js';

export interface LoopbackServer {
  url: string;
  client(): Promise<SynclineClient>;
  close(): Promise<void>;
}

// happy-dom's AbortSignal.any uses `this`, and src/core/any-signal.ts calls it detached (Node's and
// the browsers' do not mind). Bound here so the client runs on happy-dom's fetch and signals.
const happyAny = (AbortSignal as unknown as { any(signals: AbortSignal[]): AbortSignal }).any;
Object.defineProperty(AbortSignal, 'any', { value: (signals: AbortSignal[]) => happyAny.call(AbortSignal, signals), configurable: true });

/**
 * `syncline serve` in a child process on 127.0.0.1 (this process's globals are happy-dom's, which the
 * server must not run on), allowing the page's origin as a browser would need.
 */
export async function startLoopbackServer(): Promise<LoopbackServer> {
  const dir = tempDir('syncline-react-');
  const args = ['--import', 'tsx', join(REPO, 'src', 'cli', 'main.ts'), 'serve', '--port', '0', '--db', join(dir.path, 'server.db'), '--token', 't1=scope-1', '--cors-origin', location.origin, '--durability', 'relaxed'];
  const server = await startProcess(process.execPath, args, { cwd: REPO, urlLine: /listening on (http:\/\/\S+)/ });
  const clients: SynclineClient[] = [];
  return {
    url: server.url,
    client: async () => {
      const client = await createClient({ store: createMemoryStore(), transport: createHttpTransport({ url: server.url, token: 't1' }), autoSync: false });
      clients.push(client);
      return client;
    },
    close: async () => {
      for (const c of clients) await c.close();
      await server.stop();
      dir.remove();
    },
  };
}

/** Active subscriptions made through `client.subscribe` (every hook subscribes there). */
export function countListeners(client: SynclineClient): () => number {
  let active = 0;
  const original = client.subscribe.bind(client);
  client.subscribe = (listener) => {
    active++;
    const off = original(listener);
    let done = false;
    return () => {
      if (!done) active--;
      done = true;
      off();
    };
  };
  return () => active;
}

export interface Mounted {
  container: HTMLElement;
  root: Root;
  /** Errors React reported (uncaught, caught by a boundary, recoverable such as a hydration mismatch). */
  errors: unknown[];
  render(node: ReactNode): void;
  unmount(): void;
}

export function mount(client: SynclineClient, node?: ReactNode): Mounted {
  const container = document.createElement('div');
  document.body.append(container);
  const errors: unknown[] = [];
  const root = createRoot(container, { onUncaughtError: (e) => errors.push(e), onCaughtError: (e) => errors.push(e), onRecoverableError: (e) => errors.push(e) });
  const mounted: Mounted = {
    container,
    root,
    errors,
    render: (n) => root.render(createElement(SynclineProvider, { client }, n)),
    unmount: () => {
      root.unmount();
      container.remove();
    },
  };
  if (node !== undefined) mounted.render(node);
  return mounted;
}

/** Text of every element with `data-testid`, by id. */
export function texts(container: HTMLElement, id: string): string[] {
  return Array.from(container.querySelectorAll(`[data-testid="${id}"]`)).map((e) => e.textContent ?? '');
}
