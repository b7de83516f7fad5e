/**
 * fast-check arbitraries for hostile requests: bodies that are not JSON, JSON of the wrong shape,
 * near-valid protocol messages with one field corrupted (huge numbers, odd Unicode, deep nesting,
 * duplicate keys, __proto__), and odd headers (content type, Content-Encoding, credentials).
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';

export const CLIENT_ID = 'client-fuzz-0001';

/** Text a JSON value may not survive: lone surrogates, NUL, controls, astral, BOM, line separators. */
const oddText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('\uD800', 'a\uDC00b', '\u0000', '\uFEFF{', '\u2028', '😀', '\u{10FFFF}', 'é', '__proto__', 'constructor', ''),
);

/** Numbers JSON can spell but the protocol must not trip over. */
const oddNumberText = fc.constantFrom('1e400', '-1e400', '9007199254740993', '-0', '0.5', '1e-400', '123456789012345678901234567890', '-1', '2147483648', '1.0', '0x10', 'NaN', 'Infinity');

/** Any JSON value, odd strings included, serialised. */
const jsonText = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  oddText.map((s) => JSON.stringify(s)),
  oddNumberText,
);

/** Arrays/objects nested `depth` levels. */
const deepText = fc.record({ depth: fc.integer({ min: 60, max: 6_000 }), open: fc.constantFrom('[', '{"a":') }).map(({ depth, open }) =>
  open.repeat(depth) + '0' + (open === '[' ? ']' : '}').repeat(depth),
);

/** A field's replacement: the thing a sloppy or hostile client would put there. */
const fieldValue = fc.oneof(
  { weight: 4, arbitrary: jsonText },
  { weight: 1, arbitrary: deepText },
  { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"x":1}}', '{"a":1,"a":2}', '{"constructor":{"prototype":1}}', '[]', '{}', 'null', 'true') },
);

function pushTemplate(fields: Record<string, string>): string {
  const mutation = `{"id":${fields.id},"name":${fields.name},"args":{"collection":${fields.collection},"key":${fields.key},"value":${fields.value},"baseVersion":${fields.baseVersion}},"createdAt":${fields.createdAt}}`;
  return `{"v":${fields.v},"clientId":${fields.clientId},"mutations":[${mutation}]${fields.extra}}`;
}

const PUSH_DEFAULTS: Record<string, string> = {
  v: '1', clientId: JSON.stringify(CLIENT_ID), id: '1', name: '"put"', collection: '"notes"', key: '"k"', value: '{"a":1}', baseVersion: 'null', createdAt: '1', extra: '',
};

/** A valid push with one to three fields replaced (the rest stay valid, so checks deep inside are reached). */
const nearValidPush = fc
  .uniqueArray(fc.constantFrom(...Object.keys(PUSH_DEFAULTS)), { minLength: 1, maxLength: 3 })
  .chain((names) => fc.tuple(fc.constant(names), fc.array(fieldValue, { minLength: names.length, maxLength: names.length })))
  .map(([names, values]) => {
    const fields = { ...PUSH_DEFAULTS };
    names.forEach((name, i) => {
      const value = values[i] ?? 'null';
      // `extra` adds a member: an unknown field, a duplicate `v`/`mutations`, or a settledThrough.
      fields[name] = name === 'extra' ? `,${JSON.stringify(['v', 'mutations', 'settledThrough', 'clientId', 'unknown'][value.length % 5])}:${value}` : value;
    });
    return pushTemplate(fields);
  });

const PULL_DEFAULTS: Record<string, string> = { v: '1', clientId: JSON.stringify(CLIENT_ID), cursor: '0', limit: '10', extra: '' };

const nearValidPull = fc
  .uniqueArray(fc.constantFrom(...Object.keys(PULL_DEFAULTS)), { minLength: 0, maxLength: 3 })
  .chain((names) => fc.tuple(fc.constant(names), fc.array(fieldValue, { minLength: names.length, maxLength: names.length })))
  .map(([names, values]) => {
    const fields = { ...PULL_DEFAULTS };
    names.forEach((name, i) => {
      const value = values[i] ?? 'null';
      fields[name] = name === 'extra' ? `,${JSON.stringify(['collection', 'elideOwnFrom', 'v', 'cursor', 'x'][value.length % 5])}:${value}` : value;
    });
    return `{"v":${fields.v},"clientId":${fields.clientId},"cursor":${fields.cursor},"limit":${fields.limit}${fields.extra}}`;
  });

/** Not JSON at all, or JSON cut short. */
const malformedText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.tuple(nearValidPush, fc.nat()).map(([text, cut]) => text.slice(0, cut % Math.max(1, text.length))),
  fc.constantFrom('', ' ', '{', '{"v":1,}', "{'v':1}", '[1,2', '{"v":1}{"v":1}', 'null', '"\\ud800"', '{"v":1,"clientId":"\\u0000"}'),
);

/** Body bytes for a JSON endpoint: mostly near-valid messages, some garbage, some raw invalid UTF-8. */
export function bodyBytes(kind: 'push' | 'pull'): fc.Arbitrary<Uint8Array> {
  const text = fc.oneof({ weight: 5, arbitrary: kind === 'push' ? nearValidPush : nearValidPull }, { weight: 2, arbitrary: malformedText }, { weight: 1, arbitrary: jsonText });
  const encoder = new TextEncoder();
  return fc.oneof(
    { weight: 9, arbitrary: text.map((t) => encoder.encode(t)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  );
}

export interface HeaderChoice {
  contentType: string | undefined;
  encoding: 'none' | 'gzip' | 'gzip-corrupt' | 'gzip-declared-only' | 'br' | 'deflate' | 'gzip, gzip' | 'identity' | 'GZIP';
  authorization: string | undefined;
  acceptEncoding: string | undefined;
}

export const headerChoice: fc.Arbitrary<HeaderChoice> = fc.record({
  contentType: fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constantFrom(undefined, 'text/plain', 'application/json; charset=latin1', 'APPLICATION/JSON', 'application/jsonx', 'multipart/form-data; boundary=x', '') },
  ),
  encoding: fc.oneof(
    { weight: 6, arbitrary: fc.constant('none' as const) },
    { weight: 1, arbitrary: fc.constantFrom('gzip' as const, 'gzip-corrupt' as const, 'gzip-declared-only' as const, 'br' as const, 'deflate' as const, 'gzip, gzip' as const, 'identity' as const, 'GZIP' as const) },
  ),
  authorization: fc.oneof(
    { weight: 8, arbitrary: fc.constant('Bearer token-fuzz') },
    { weight: 1, arbitrary: fc.constantFrom(undefined, 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer token-fuzz token-fuzz', 'bearer token-fuzz', 'Bearer \u00ff') },
  ),
  acceptEncoding: fc.constantFrom(undefined, 'gzip', 'gzip;q=0', '*', 'br'),
});

/** Build the request: the body encoded as the header choice says. */
export function buildRequest(url: string, method: string, body: Uint8Array | undefined, h: HeaderChoice): Request {
  const headers = new Headers();
  if (h.contentType !== undefined) headers.set('content-type', h.contentType);
  if (h.authorization !== undefined) headers.set('authorization', h.authorization);
  if (h.acceptEncoding !== undefined) headers.set('accept-encoding', h.acceptEncoding);
  let payload = body;
  if (body !== undefined && h.encoding !== 'none') {
    const gz = gzipSync(body);
    const encodings: Record<Exclude<HeaderChoice['encoding'], 'none'>, [string, Uint8Array]> = {
      gzip: ['gzip', gz],
      GZIP: ['GZIP', gz],
      'gzip-corrupt': ['gzip', gz.map((b, i) => (i === Math.floor(gz.length / 2) ? b ^ 0xff : b))],
      'gzip-declared-only': ['gzip', body],
      br: ['br', body],
      deflate: ['deflate', body],
      'gzip, gzip': ['gzip, gzip', gz],
      identity: ['identity', body],
    };
    const [name, bytes] = encodings[h.encoding];
    headers.set('content-encoding', name);
    payload = bytes;
  }
  return new Request(url, { method, headers, ...(payload === undefined ? {} : { body: payload as Uint8Array<ArrayBuffer> }) });
}

/** Query strings for GET endpoints: numbers that are not, odd text, repeated parameters. */
export const queryString: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.constantFrom('after', 'limit', 'after', 'limit', 'collection', 'cursor', 'x', '', 'limit[]', '__proto__'),
      fc.oneof(oddNumberText, oddText.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '?'))), fc.constantFrom('%', '%zz', '%00', '10', '0')),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`));
