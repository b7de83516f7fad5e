/**
 * What JSON the protocol accepts beyond "it parses": both ends run this check, the server on every
 * request body before any recursive code sees it, the client in `mutate()`/`put()` so a write the
 * server would refuse is never queued (a 400 answers a whole push and would stop the queue).
 *
 * Refused, wherever they appear (object keys and string values alike):
 *  - nesting deeper than the limit — recursive validators and hashers would overflow the stack;
 *  - objects with more keys than the limit — bounds the work of sorting/merging one object;
 *  - lone UTF-16 surrogates — they have no UTF-8 form, so a PostgreSQL text column would store
 *    U+FFFD instead and the record would no longer be what was sent (nor hash the same);
 *  - U+0000 — PostgreSQL text cannot hold it, SQLite can: refused on both so both behave alike;
 *  - the key `__proto__` — plain-object code (`obj[key] = v`, spreads, many libraries) drops it or
 *    turns it into a prototype, so it could not be preserved faithfully end to end. (`constructor`
 *    and other Object.prototype names are ordinary own keys and are kept.)
 * Iterative, so the check cannot overflow on the input it exists to refuse.
 */

export interface JsonGuardLimits {
  /** Arrays/objects nested inside the value (the value itself is level 1). */
  maxDepth: number;
  /** Keys of any one object. */
  maxKeys: number;
}

/** Keys per object accepted by both ends. */
export const MAX_OBJECT_KEYS = 10_000;

export type JsonProblemReason = 'too-deep' | 'too-many-keys' | 'lone-surrogate' | 'nul-character' | 'proto-key';

export interface JsonProblem {
  reason: JsonProblemReason;
  /** Where, as a dotted path from the checked value (`mutations.0.args.value`); '' for the value itself. */
  path: string;
  /** One sentence saying what is wrong and what to do. */
  message: string;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

interface Frame {
  value: unknown;
  depth: number;
  parent: Frame | undefined;
  key: string;
}

/** The first problem found in `value`, or undefined when the protocol accepts it. */
export function findJsonProblem(value: unknown, limits: JsonGuardLimits): JsonProblem | undefined {
  const stack: Frame[] = [{ value, depth: 0, parent: undefined, key: '' }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const item = frame.value;
    if (typeof item === 'string') {
      const reason = stringProblem(item);
      if (reason !== undefined) return problem(reason, frame, limits);
      continue;
    }
    if (typeof item !== 'object' || item === null) continue;
    const depth = frame.depth + 1;
    if (depth > limits.maxDepth) return problem('too-deep', frame, limits);
    const keys = Object.keys(item);
    if (!Array.isArray(item) && keys.length > limits.maxKeys) return problem('too-many-keys', frame, limits);
    for (const key of keys) {
      const child: Frame = { value: (item as Record<string, unknown>)[key], depth, parent: frame, key };
      if (!Array.isArray(item)) {
        const reason = key === '__proto__' ? 'proto-key' : stringProblem(key);
        if (reason !== undefined) return problem(reason, child, limits);
      }
      stack.push(child);
    }
  }
  return undefined;
}

function stringProblem(text: string): JsonProblemReason | undefined {
  if (text.includes('\u0000')) return 'nul-character';
  if (LONE_SURROGATE.test(text)) return 'lone-surrogate';
  return undefined;
}

function problem(reason: JsonProblemReason, frame: Frame, limits: JsonGuardLimits): JsonProblem {
  const path = pathOf(frame);
  const at = path === '' ? 'the value' : `"${path}"`;
  const messages: Record<JsonProblemReason, string> = {
    'too-deep': `${at} nests arrays/objects more than ${limits.maxDepth} levels deep; flatten the data.`,
    'too-many-keys': `${at} has more than ${limits.maxKeys} keys; split the object.`,
    'lone-surrogate': `${at} contains a lone UTF-16 surrogate (not valid Unicode, so it cannot be stored as sent); send well-formed text.`,
    'nul-character': `${at} contains the NUL character U+0000, which the server cannot store; remove it.`,
    'proto-key': `${at} is an object key named "__proto__", which JavaScript objects cannot hold faithfully; rename the key.`,
  };
  return { reason, path, message: messages[reason] };
}

function pathOf(frame: Frame): string {
  const parts: string[] = [];
  for (let f: Frame | undefined = frame; f?.parent !== undefined; f = f.parent) parts.push(printable(f.key));
  return parts.reverse().join('.');
}

/** A key shown in a message: the offending characters themselves would not survive the trip. */
function printable(key: string): string {
  const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped here
  return shown.replace(/[\u0000-\u001F\uD800-\uDFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
