// The service worker: when the browser fires Background Sync (connectivity is back, even with no page
// of the app open), it opens the app's IndexedDB store and drains the outbox through the server.
// Bundle it on its own, as an ES module:  npx esbuild sw.ts --bundle --format=esm --outfile=sw.js
import { broadcastTabChannel, createHttpTransport } from 'syncline';
import { openIndexedDbStore } from 'syncline/indexeddb';
import { registerSynclineWorker } from 'syncline/sw';

// The service-worker scope, typed here so the example compiles with the DOM library alone.
const worker = self as unknown as {
  location: Location;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', listener: (event: { waitUntil(promise: Promise<unknown>): void }) => void): void;
};

registerSynclineWorker({
  store: () => openIndexedDbStore('notes'), // the page's database; opened per drain, closed after
  transport: createHttpTransport({ url: worker.location.origin, token: 'demo' }),
  tabs: broadcastTabChannel('notes'), // open tabs hear what the worker pulled
  onDrain: (outcome) => console.log(outcome.ok ? `syncline: drained ${JSON.stringify(outcome.report)}` : `syncline: drain failed: ${String(outcome.error)}`),
});

worker.addEventListener('install', (event) => event.waitUntil(worker.skipWaiting()));
worker.addEventListener('activate', (event) => event.waitUntil(worker.clients.claim()));
