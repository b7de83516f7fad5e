/**
 * Order-preserving string encoding of JSON scalars for query indexes. Every store orders keys by
 * JavaScript code-unit comparison, so an index entry's key is the encoded field values joined by NUL:
 * comparing two entry keys as strings compares their value tuples. Scans use the same encoding to
 * judge `where` clauses, so an indexed query and a scan give the same answer by construction.
 *
 * Values of different types never compare equal and sort by type: null < false < true < numbers <
 * strings. Objects, arrays and missing fields are not indexable (the record is not in the index).
 */
export type Scalar = string | number | boolean | null;

/** Separates the components of an index entry key; encoded values never contain it. */
export const SEP = '\u0000';

const TAG_NULL = 'a';
const TAG_BOOLEAN = 'b';
const TAG_NUMBER = 'n';
const TAG_STRING = 's';

export function isScalar(value: unknown): value is Scalar {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** The type tag that starts every encoding of `value`'s type. */
export function typeTag(value: Scalar): string {
  if (value === null) return TAG_NULL;
  if (typeof value === 'boolean') return TAG_BOOLEAN;
  return typeof value === 'number' ? TAG_NUMBER : TAG_STRING;
}

/** The first code unit after every encoding that starts with `tag`. */
export function tagEnd(tag: string): string {
  return String.fromCharCode(tag.charCodeAt(0) + 1);
}

export function encodeScalar(value: Scalar): string {
  if (typeof value === 'number') return TAG_NUMBER + encodeNumber(value);
  if (typeof value === 'string') return TAG_STRING + escapeString(value);
  if (typeof value === 'boolean') return TAG_BOOLEAN + (value ? '1' : '0');
  return TAG_NULL;
}

/** A string's encoding without its end: every string starting with `prefix` encodes to this plus more. */
export function encodeStringPrefix(prefix: string): string {
  return TAG_STRING + escapeString(prefix);
}

/**
 * NUL and U+0001 are escaped (NUL → 01 01, 01 → 01 02) so that NUL can separate components; the
 * mapping keeps code-unit order and prefixes.
 */
function escapeString(s: string): string {
  if (!s.includes('\u0000') && !s.includes('\u0001')) return s;
  return s.replaceAll('\u0001', '\u0001\u0002').replaceAll('\u0000', '\u0001\u0001');
}

/** Scratch space for encodeNumber: one per module rather than a fresh buffer per number encoded. */
const bits = new DataView(new ArrayBuffer(8));

/** IEEE-754 bits made sortable: flip every bit of negatives, only the sign bit of the rest. */
function encodeNumber(n: number): string {
  const view = bits;
  view.setFloat64(0, n === 0 ? 0 : n); // -0 and 0 are one value in JSON
  let hi = view.getUint32(0);
  let lo = view.getUint32(4);
  if (hi & 0x80000000) {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
  } else {
    hi = (hi | 0x80000000) >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
