/** The catalogue and the cart: tap products, sell. A sale is durable in IndexedDB when `Sell` returns. */
import { createElement as h, useState } from 'react';
import { useCollection, useSyncline, type RecordEntry } from '../../react.js';
import { formatDecimal, parseDecimal, type Product } from '../../receipts.js';

type Cart = Record<string, number>;
const byName = (rows: Array<RecordEntry<Product>>) => [...rows].sort((a, b) => a.value.name.localeCompare(b.value.name));

export function SalePanel({ till }: { till: string }) {
  const client = useSyncline();
  const products = useCollection<Product>('products', byName);
  const [cart, setCart] = useState<Cart>({});
  const [notice, setNotice] = useState('');
  const rows = products.data ?? [];
  const lines = rows.filter((p) => (cart[p.key] ?? 0) > 0);
  const total = lines.reduce((sum, p) => sum + parseDecimal(p.value.price, 2) * BigInt(cart[p.key] ?? 0), 0n);

  const sell = async (method: 'cash' | 'electronic') => {
    const id = `t${till}-${crypto.randomUUID().slice(0, 13)}`;
    const items = lines.map((p) => ({ description: p.value.name, quantity: String(cart[p.key]), unitPrice: p.value.price, vat: '10' as const }));
    setCart({});
    try {
      // Resolves once the receipt and its outbox entry are committed together in IndexedDB.
      await client.mutate('receipts.create', { id, items, payment: { method }, issuedAt: Date.now() });
      // Stock goes down as increments: they never conflict, and every till's sales add up on the server.
      for (const p of lines) await client.collection<Product>('products').increment(p.key, 'stock', -(cart[p.key] ?? 0));
      setNotice(`sold ${id}`);
    } catch (error) {
      setNotice(error instanceof Error ? error.message : String(error));
    }
  };

  const reprice = (p: RecordEntry<Product>) => {
    const next = formatDecimal(parseDecimal(p.value.price, 2) + 10n, 2);
    // `expected`: a price changed meanwhile on another till is a conflict the server resolves (last writer wins).
    void client.collection<Product>('products').patch(p.key, { price: next }, { expected: { price: p.value.price } });
  };

  return h(
    'section',
    { className: 'panel sale' },
    h('h2', null, 'Sell'),
    h(
      'div',
      { className: 'catalogue' },
      rows.map((p) =>
        h(
          'div',
          { key: p.key, className: 'product' },
          h('button', { 'data-product': p.key, onClick: () => setCart({ ...cart, [p.key]: (cart[p.key] ?? 0) + 1 }) }, h('b', null, p.value.name), h('span', null, `€ ${p.value.price}`), h('small', null, `stock ${p.value.stock}`)),
          h('button', { className: 'reprice', 'data-reprice': p.key, title: 'raise the price by 0.10', onClick: () => reprice(p) }, '+0.10'),
        ),
      ),
    ),
    h(
      'div',
      { className: 'cart' },
      lines.length === 0 ? h('p', { className: 'muted' }, 'Tap products to add them.') : h('ul', null, lines.map((p) => h('li', { key: p.key }, `${cart[p.key]} × ${p.value.name}`))),
      h('p', { className: 'total' }, `Total € ${formatDecimal(total, 2)}`),
      h('button', { id: 'sell', disabled: lines.length === 0, onClick: () => void sell('cash') }, 'Sell · cash'),
      h('button', { id: 'sell-card', disabled: lines.length === 0, onClick: () => void sell('electronic') }, 'Sell · card'),
      h('output', { id: 'sale-notice' }, notice),
    ),
  );
}
