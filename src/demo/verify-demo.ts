/** Checks the server's documents against what every till created: lost, duplicated, out of order. */
import type { JsonObject } from '../protocol/json.js';
import type { CreatedDocument } from './pos-terminal.js';

export interface ServerDocument {
  key: string;
  value: JsonObject;
}

export interface DeliveryCheck {
  created: number;
  expectedRejections: number;
  onServer: number;
  duplicates: number;
  lost: number;
  outOfOrder: number;
  unexpectedRejections: number;
  documentNumbersGapFree: boolean;
}

export function checkDelivery(
  tills: ReadonlyArray<{ created: readonly CreatedDocument[]; rejected: ReadonlyMap<number, string> }>,
  serverDocs: readonly ServerDocument[],
): DeliveryCheck {
  const byKey = new Map(serverDocs.map((d) => [d.key, d.value]));
  const created = tills.flatMap((t) => t.created);
  const expected = created.filter((d) => !d.expectRejection);
  const lost = expected.filter((d) => !byKey.has(d.id)).length;

  // Exactly-once: one server document per (client, mutation), one per document number.
  const perMutation = new Map<string, number>();
  const perNumber = new Map<number, number>();
  for (const { value } of serverDocs) {
    const tag = `${String(value['clientId'])}/${String(value['mutationId'])}`;
    perMutation.set(tag, (perMutation.get(tag) ?? 0) + 1);
    const n = Number(value['documentNumber']);
    perNumber.set(n, (perNumber.get(n) ?? 0) + 1);
  }
  const duplicates = [...perMutation.values()].reduce((s, c) => s + c - 1, 0);

  // Per-till order: document numbers follow mutation ids; a void comes after the sale it voids.
  let outOfOrder = 0;
  for (const till of tills) {
    const docs = till.created.filter((d) => byKey.has(d.id)).sort((a, b) => a.mutationId - b.mutationId);
    let last = 0;
    for (const doc of docs) {
      const n = Number(byKey.get(doc.id)?.['documentNumber']);
      if (!(n > last)) outOfOrder += 1;
      last = n;
      if (doc.kind === 'void' && doc.refersTo !== undefined) {
        const sale = Number(byKey.get(doc.refersTo)?.['documentNumber']);
        if (!(sale < n)) outOfOrder += 1;
      }
    }
  }

  const numbers = [...perNumber.keys()].sort((a, b) => a - b);
  const gapFree = numbers.length === serverDocs.length && numbers.every((n, i) => n === i + 1);
  const unexpectedRejections = tills.reduce(
    (s, t) => s + t.created.filter((d) => !d.expectRejection && t.rejected.has(d.mutationId)).length,
    0,
  );
  const missingRejections = tills.reduce(
    (s, t) => s + t.created.filter((d) => d.expectRejection && !t.rejected.has(d.mutationId)).length,
    0,
  );
  return {
    created: created.length,
    expectedRejections: created.length - expected.length,
    onServer: serverDocs.length,
    duplicates,
    lost,
    outOfOrder,
    unexpectedRejections: unexpectedRejections + missingRejections,
    documentNumbersGapFree: gapFree,
  };
}

/** Canonical JSON of a replica's documents, for convergence checks. */
export function fingerprint(docs: readonly ServerDocument[]): string {
  return JSON.stringify([...docs].sort((a, b) => (a.key < b.key ? -1 : 1)).map((d) => [d.key, canonical(d.value)]));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}
