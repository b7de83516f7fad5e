/** Field-level merge of a patch into a live record: fields one side changed merge; both-changed fields follow their rule. */
import { jsonEqual, type JsonObject, type JsonValue } from '../../protocol/json.js';
import { clientIsLater, clientObserved, fieldStamp, type GenericWrite, type RecordState } from './detect.js';
import type { FieldRule } from './strategy.js';

type Patch = Extract<GenericWrite, { op: 'patch' }>;

/** `fromClient`: fields whose result came from (or was computed with) the client's write. */
export function mergePatch(
  write: Patch,
  state: RecordState & { value: JsonObject },
  rules: Record<string, FieldRule>,
  otherFields: FieldRule,
): { value: JsonObject; fromClient: string[] } {
  const current = state.value;
  const value: JsonObject = { ...current };
  const fromClient: string[] = [];
  for (const [field, incoming] of Object.entries(write.fields)) {
    const base = write.expected[field] ?? null;
    const server = current[field] ?? null;
    const serverChanged = !jsonEqual(base, server);
    const clientChanged = !jsonEqual(base, incoming);
    if (!clientChanged) continue; // only the server changed it (or nobody): keep the server's value
    if (!serverChanged) {
      value[field] = incoming;
      fromClient.push(field);
      continue;
    }
    const rule = Object.hasOwn(rules, field) ? (rules[field] as FieldRule) : otherFields;
    const merged = mergeField(rule, { field, base, server, client: incoming }, write, state);
    if (merged.fromClient) fromClient.push(field);
    value[field] = merged.value;
  }
  return { value, fromClient };
}

interface Sides {
  field: string;
  base: JsonValue;
  server: JsonValue;
  client: JsonValue;
}

function mergeField(rule: FieldRule, s: Sides, write: Patch, state: RecordState): { value: JsonValue; fromClient: boolean } {
  if (typeof rule === 'function') {
    return { value: rule({ collection: write.collection, key: write.key, ...s, clientHlc: write.hlc }), fromClient: true };
  }
  switch (rule) {
    case 'server':
      return { value: s.server, fromClient: false };
    case 'client':
      return { value: s.client, fromClient: true };
    case 'delta':
      // A counter: apply the client's change to the server's value instead of overwriting it.
      if (typeof s.base === 'number' && typeof s.server === 'number' && typeof s.client === 'number') {
        return { value: s.server + (s.client - s.base), fromClient: true };
      }
      return mergeField('lww', s, write, state);
    case 'lww': {
      const wins = clientObserved(write, state) || clientIsLater(write.hlc, fieldStamp(state.clock, s.field));
      return wins ? { value: s.client, fromClient: true } : { value: s.server, fromClient: false };
    }
  }
}
