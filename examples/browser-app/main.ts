// A browser till: records live in IndexedDB (writes work offline and survive reloads), tabs of the
// same app share one outbox (the leader tab syncs for all), and the server's pokes (Server-Sent
// Events) pull changes made elsewhere as they happen. Bundle it with any bundler (esbuild, Vite).
import { broadcastTabChannel, browserNetworkStatus, createClient, createHttpTransport, createSsePokes } from 'syncline';
import { openIndexedDbStore } from 'syncline/indexeddb';

const url = location.origin; // where the sync server answers (here it also serves this page)
const token = 'demo';
const client = await createClient({
  store: await openIndexedDbStore('pos'),
  transport: createHttpTransport({ url, token }),
  network: browserNetworkStatus(), // navigator.onLine and its events
  tabs: broadcastTabChannel('pos'),
  realtime: createSsePokes({ url, token }),
});

const products = client.collection('products');
const list = document.querySelector<HTMLUListElement>('#products')!;
const status = document.querySelector<HTMLOutputElement>('#status')!;

async function render(): Promise<void> {
  const rows = await products.list();
  list.replaceChildren(...rows.map(({ value }) => Object.assign(document.createElement('li'), { textContent: `${value.name} · ${value.price}` })));
  status.value = `${client.status().online ? 'online' : 'offline'} · ${await client.pendingCount()} pending`;
}

client.on('records.changed', () => void render()); // local writes, other tabs, and pulled changes
client.on('sync.completed', () => void render());
client.on('online.changed', () => void render());

document.querySelector('form')!.addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const name = new FormData(form).get('name');
  if (typeof name !== 'string' || name.trim() === '') return;
  // Resolves once the write is durable in IndexedDB; syncing follows in the background.
  void products.put(crypto.randomUUID(), { name: name.trim(), price: '1.00', stock: 10 });
  form.reset();
});

await render();
