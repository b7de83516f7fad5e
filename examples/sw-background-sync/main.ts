// The page: notes in IndexedDB, written offline-first. registerBackgroundSync hands pending writes to
// the service worker through Background Sync where the browser has it (Chromium), so they reach the
// server even if the page is closed before the network is back; elsewhere (Safari, Firefox) the page
// drains on start, on `online`, when shown again and on a timer, and flushes with a keepalive
// request when it is hidden or left.  Bundle: npx esbuild main.ts --bundle --format=esm --outfile=main.js
import { broadcastTabChannel, browserNetworkStatus, createClient, createHttpTransport } from 'syncline';
import { openIndexedDbStore } from 'syncline/indexeddb';
import { registerBackgroundSync } from 'syncline/sw';

const url = location.origin; // where the sync server answers (here it also serves this page)
const token = 'demo';
const client = await createClient({
  store: await openIndexedDbStore('notes'),
  transport: createHttpTransport({ url, token }),
  network: browserNetworkStatus(),
  tabs: broadcastTabChannel('notes'),
});

// Sync events reach only an active worker: wait for it before registering them.
const registration = 'serviceWorker' in navigator ? await navigator.serviceWorker.register('./sw.js', { type: 'module' }).then(() => navigator.serviceWorker.ready) : undefined;
const background = await registerBackgroundSync(registration, { client, flush: { url, token } });

const notes = client.collection('notes');
const status = document.querySelector<HTMLOutputElement>('#status')!;
const list = document.querySelector<HTMLUListElement>('#notes')!;

async function render(): Promise<void> {
  const rows = await notes.list();
  list.replaceChildren(...rows.map(({ value }) => Object.assign(document.createElement('li'), { textContent: String(value.text) })));
  status.value = `${background.mode} · ${await client.pendingCount()} pending`;
}

client.on('records.changed', () => void render());
client.on('sync.completed', () => void render());

document.querySelector('form')!.addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const text = new FormData(form).get('text');
  if (typeof text !== 'string' || text.trim() === '') return;
  void notes.put(crypto.randomUUID(), { text: text.trim() }); // durable in IndexedDB when it resolves
  form.reset();
});

await render();
