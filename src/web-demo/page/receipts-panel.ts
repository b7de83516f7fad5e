/** Receipts as this till sees them: its own pending ones at once, everyone's once pulled. Void a sale here. */
import { createElement as h, useState } from 'react';
import type { JsonObject } from '../../index.js';
import { useCollection, useSyncline, type RecordEntry } from '../../react.js';

const newestFirst = (rows: Array<RecordEntry<JsonObject>>) => [...rows].sort((a, b) => Number(b.value['issuedAt'] ?? 0) - Number(a.value['issuedAt'] ?? 0) || b.key.localeCompare(a.key));

function total(receipt: JsonObject): string {
  const totals = receipt['totals'];
  return typeof totals === 'object' && totals !== null && !Array.isArray(totals) && typeof totals['total'] === 'string' ? `€ ${totals['total']}` : '';
}

export function ReceiptsPanel({ till }: { till: string }) {
  const client = useSyncline();
  const receipts = useCollection<JsonObject>('receipts', newestFirst);
  const [notice, setNotice] = useState('');
  const rows = receipts.data ?? [];

  const voidSale = async (receiptId: string) => {
    try {
      await client.mutate('receipts.void', { id: `t${till}-void-${crypto.randomUUID().slice(0, 8)}`, receiptId, reason: 'customer return', issuedAt: Date.now() });
      setNotice(`voided ${receiptId}`);
    } catch (error) {
      setNotice(error instanceof Error ? error.message : String(error));
    }
  };

  return h(
    'section',
    { className: 'panel receipts' },
    h('h2', null, `Receipts `, h('span', { id: 'receipt-count', className: 'muted' }, String(rows.length))),
    h('output', { id: 'void-notice' }, notice),
    h(
      'table',
      null,
      h('thead', null, h('tr', null, ['No.', 'Document', 'Kind', 'Total', 'Status', ''].map((title) => h('th', { key: title }, title)))),
      h(
        'tbody',
        null,
        rows.map(({ key, value }) => {
          const pending = value['status'] === 'pending';
          const voided = typeof value['voidedBy'] === 'string';
          return h(
            'tr',
            { key, 'data-receipt': key, className: `${String(value['kind'])} ${pending ? 'pending' : 'issued'}${voided ? ' voided' : ''}` },
            h('td', null, value['documentNumber'] === null || value['documentNumber'] === undefined ? '—' : String(value['documentNumber'])),
            h('td', { className: 'mono' }, key),
            h('td', null, value['kind'] === 'void' ? `void of ${String(value['refersTo'])}` : 'sale'),
            h('td', null, total(value)),
            h('td', { className: 'status' }, pending ? 'pending' : voided ? 'issued · voided' : 'issued'),
            h('td', null, value['kind'] === 'sale' && !voided ? h('button', { 'data-void': key, onClick: () => void voidSale(key) }, 'Void') : null),
          );
        }),
      ),
    ),
  );
}
