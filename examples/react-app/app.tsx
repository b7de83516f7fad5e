// A React till: the hooks from syncline/react keep every component current as local writes, pulls
// and other tabs change the data, without wiring subscribe by hand. Bundle it with esbuild or Vite.
import { useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { browserNetworkStatus, createClient, createHttpTransport, createSsePokes } from 'syncline';
import { openIndexedDbStore } from 'syncline/indexeddb';
import { SynclineProvider, useCollection, useOutbox, useSyncStatus, type RecordEntry } from 'syncline/react';

type Product = { name: string; price: string; stock: number };

const url = location.origin; // where the sync server answers (here it also serves this page)
const client = await createClient({
  store: await openIndexedDbStore('react-till'),
  transport: createHttpTransport({ url, token: 'demo' }),
  network: browserNetworkStatus(),
  realtime: createSsePokes({ url, token: 'demo' }),
});
const products = client.collection<Product>('products');

// No query API yet: filter and sort in JavaScript. Module-level, so it is the same function on every
// render; it runs again only when the collection changes (each change re-reads the collection).
const byName = (rows: RecordEntry<Product>[]) => [...rows].sort((a, b) => a.value.name.localeCompare(b.value.name));

function ProductList() {
  const { status, data, error } = useCollection(products, byName); // data: RecordEntry<Product>[]
  if (status === 'loading') return <p>Loading…</p>;
  if (error !== undefined) return <p role="alert">{error.message}</p>;
  return (
    <ul id="products">
      {data.map(({ key, value }) => (
        <li key={key}>
          {value.name} · {value.price}
        </li>
      ))}
    </ul>
  );
}

function StatusLine() {
  const sync = useSyncStatus(); // phase, online, lastSyncAt, error
  const outbox = useOutbox(); // pending writes and the oldest one's time
  const pending = outbox.data === undefined ? '…' : String(outbox.data.pending);
  return (
    <output id="status">
      {sync.online ? 'online' : 'offline'} · {sync.phase} · {pending} pending
    </output>
  );
}

function AddProduct() {
  const [name, setName] = useState('');
  const add = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === '') return;
    // Resolves once the write is durable in IndexedDB; the list shows it at once, syncing follows.
    void products.put(crypto.randomUUID(), { name: name.trim(), price: '1.00', stock: 10 });
    setName('');
  };
  return (
    <form onSubmit={add}>
      <input name="name" value={name} onChange={(e) => setName(e.target.value)} placeholder="product name" />
      <button>Add</button>
    </form>
  );
}

createRoot(document.getElementById('root')!).render(
  <SynclineProvider client={client}>
    <AddProduct />
    <StatusLine />
    <ProductList />
  </SynclineProvider>,
);
