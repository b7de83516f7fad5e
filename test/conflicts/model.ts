// An executable model of each conflict strategy, written from the specification (docs/PROTOCOL.md,
// "Conflicts") and independently of src/server/conflicts: given the generic writes in the order the
// server processed them, it says what every record must hold and which writes were conflicts.
// Scope: puts without conflicts (seeding) and patches of live records — what the property test makes.

type Value = string | number | null;
type Rec = Record<string, Value>;

export type ModelStrategy = 'server-wins' | 'client-wins' | 'last-writer-wins' | 'merge' | 'custom';

export interface ProcessedWrite {
  clientId: string;
  mutationId: number;
  name: string;
  args: { key: string; value?: Rec; fields?: Rec; expected?: Rec; baseVersion: number | null; hlc: string };
}

/** The merge rules of the property test's collection. */
export const MERGE_RULES: Record<string, 'lww' | 'delta' | 'server'> = { price: 'lww', stock: 'delta', name: 'server' };

/** Fields without a rule follow last-writer-wins. */
function ruleOf(field: string): 'lww' | 'delta' | 'server' {
  return MERGE_RULES[field] ?? 'lww';
}

/** The custom resolver used in the test, and its specification: per field, the larger value wins. */
export function largerWins(server: Value, client: Value): Value {
  if (server === null) return client;
  if (client === null) return server;
  return String(client) > String(server) ? client : server;
}

interface ModelRecord {
  value: Rec;
  /** Scope version of the record's last write. */
  version: number;
  /** Stamp of each field's value: the latest stamp of any write that set it (record stamp otherwise). */
  stamps: Record<string, string>;
  recordStamp: string;
}

export class StrategyModel {
  readonly records = new Map<string, ModelRecord>();
  readonly conflicts = new Set<string>();
  #scopeVersion = 0;

  constructor(readonly strategy: ModelStrategy) {}

  apply(w: ProcessedWrite): void {
    const rec = this.records.get(w.args.key);
    if (w.name === 'put') {
      if (rec !== undefined) throw new Error('the model covers puts of new records only');
      this.records.set(w.args.key, { value: { ...(w.args.value ?? {}) }, version: ++this.#scopeVersion, stamps: {}, recordStamp: w.args.hlc });
      return;
    }
    if (w.name !== 'patch' || rec === undefined) throw new Error(`the model does not cover ${w.name} of ${w.args.key}`);
    const fields = w.args.fields ?? {};
    const expected = w.args.expected ?? {};
    const stale = Object.keys(fields).filter((f) => (expected[f] ?? null) !== (rec.value[f] ?? null));
    if (stale.length === 0) return this.#write(rec, fields, w.args.hlc);
    this.conflicts.add(`${w.clientId}/${w.mutationId}`);
    const taken = this.#resolve(rec, w, fields, expected, stale);
    if (taken === undefined) return;
    // Client-wins always writes; the others write only when the record changes.
    const changes = Object.entries(taken).some(([f, v]) => rec.value[f] !== v);
    if (changes || this.strategy === 'client-wins') this.#write(rec, taken, w.args.hlc);
  }

  /** The fields (and values) the resolution takes; undefined = the write is refused. */
  #resolve(rec: ModelRecord, w: ProcessedWrite, fields: Rec, expected: Rec, stale: string[]): Rec | undefined {
    const sawCurrent = w.args.baseVersion !== null && w.args.baseVersion >= rec.version;
    const later = (f: string) => sawCurrent || w.args.hlc > (rec.stamps[f] ?? rec.recordStamp);
    const out: Rec = {};
    switch (this.strategy) {
      case 'server-wins':
        return undefined;
      case 'client-wins':
        return fields;
      case 'last-writer-wins':
        for (const [f, v] of Object.entries(fields)) if (!stale.includes(f) || later(f)) out[f] = v;
        return out;
      case 'custom':
        for (const [f, v] of Object.entries(fields)) out[f] = largerWins(rec.value[f] ?? null, v);
        return out;
      case 'merge':
        for (const [f, v] of Object.entries(fields)) {
          const base = expected[f] ?? null;
          const server = rec.value[f] ?? null;
          if (v === base) continue; // the client did not change it
          if (server === base) out[f] = v; // only the client changed it
          else if (ruleOf(f) === 'delta') out[f] = (server as number) + ((v as number) - (base as number));
          else if (ruleOf(f) === 'lww' && later(f)) out[f] = v;
        }
        return out;
    }
  }

  #write(rec: ModelRecord, taken: Rec, stamp: string): void {
    for (const [f, v] of Object.entries(taken)) {
      rec.value[f] = v;
      const before = rec.stamps[f] ?? rec.recordStamp;
      rec.stamps[f] = stamp > before ? stamp : before;
    }
    if (stamp > rec.recordStamp) rec.recordStamp = stamp;
    rec.version = ++this.#scopeVersion;
  }

  state(): Array<{ key: string; value: Rec }> {
    return [...this.records].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, r]) => ({ key, value: r.value }));
  }
}
