/**
 * The convergence digest: an order-independent fingerprint of a collection's live records, computed
 * identically by server and client. Each record contributes a 64-bit hash of (collection, key,
 * version, canonical JSON of its value), kept as two 32-bit lanes; the digest is the lane-wise sum
 * mod 2^32 plus the record count. Sums (not XOR) so that a record present twice does not cancel out;
 * both add and remove are O(1), so both sides maintain it inside each write transaction.
 *
 * Digest format history (sent as `digestFormat` next to the digests; a client compares only digests
 * of its own format):
 *  - 1: (collection, key, version) only — a value damaged with its version intact went unnoticed.
 *  - 2: the value's canonical JSON too (object keys sorted, so key order never matters).
 */
import type { JsonValue } from './json.js';

export const DIGEST_FORMAT = 2 as const;

export interface CollectionDigest {
  count: number;
  /** 16 hex characters: lane A then lane B. */
  digest: string;
}

export interface DigestLanes {
  count: number;
  a: number;
  b: number;
}

/** One record's contribution: two 32-bit lanes. */
export type RecordHash = readonly [number, number];

export const emptyLanes = (): DigestLanes => ({ count: 0, a: 0, b: 0 });

/**
 * JSON with object keys sorted (code-unit order) at every depth, so two peers that hold the same value
 * built in a different key order hash it the same. Numbers and strings as JSON.stringify writes them.
 *
 * Most values already have their keys in that order (they were parsed from canonical JSON, or built by
 * code with a fixed field order), and for those JSON.stringify writes exactly this text, natively: a
 * walk that only compares keys decides which path to take. This was ~18 µs of the server's CPU per
 * pushed put, and every client write hashes the value twice (old and new).
 */
export function canonicalJson(value: JsonValue): string {
  return keysInOrder(value) ? JSON.stringify(value) : sortedJson(value);
}

/** True when every object inside `value` lists its keys in code-unit order (as Object.keys gives them). */
function keysInOrder(value: JsonValue): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!keysInOrder(item)) return false;
    return true;
  }
  let previous: string | undefined;
  for (const key in value) {
    if (previous !== undefined && !(previous < key)) return false;
    if (!keysInOrder(value[key] as JsonValue)) return false;
    previous = key;
  }
  return true;
}

function sortedJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    out += `${i === 0 ? '' : ','}${JSON.stringify(k)}:${sortedJson(value[k] as JsonValue)}`;
  }
  return `${out}}`;
}

/** murmur3's 32-bit finaliser: spreads every input bit over the whole word. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Two independent 32-bit FNV-1a hashes (different offset bases) over UTF-16 code units, fed in any
 * number of pieces (EchoHasher feeds a record at a time), finalised with murmur3's fmix32.
 */
export class Fnv64 {
  #a = 0x811c9dc5;
  #b = 0x050c5d1f;

  feed(text: string): void {
    let a = this.#a;
    let b = this.#b;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x01000193);
    }
    this.#a = a;
    this.#b = b;
  }

  hash(): RecordHash {
    return [fmix32(this.#a), fmix32(this.#b ^ 0x9e3779b9)];
  }
}

function hashString(input: string): RecordHash {
  const fnv = new Fnv64();
  fnv.feed(input);
  return fnv.hash();
}

/** A live record's contribution in the current format. */
export function recordHash(collection: string, key: string, version: number, value: JsonValue): RecordHash {
  return hashString(`${collection}\u0000${key}\u0000${version}\u0000${canonicalJson(value)}`);
}

/** Format 1's contribution (no value); kept for the tests that show what it missed. */
export function versionOnlyHash(collection: string, key: string, version: number): RecordHash {
  return hashString(`${collection}\u0000${key}\u0000${version}`);
}

/** Add (sign 1) or remove (sign -1) one record's contribution. */
export function addHash(lanes: DigestLanes, hash: RecordHash, sign: 1 | -1): DigestLanes {
  return {
    count: lanes.count + sign,
    a: (lanes.a + sign * hash[0]) >>> 0,
    b: (lanes.b + sign * hash[1]) >>> 0,
  };
}

export function updateLanes(lanes: DigestLanes, collection: string, key: string, version: number, value: JsonValue, sign: 1 | -1): DigestLanes {
  return addHash(lanes, recordHash(collection, key, version, value), sign);
}

/** 16 hex characters, lane A then lane B: the digest's and a stored per-record hash's text form. */
export function hashHex(hash: RecordHash): string {
  return hash[0].toString(16).padStart(8, '0') + hash[1].toString(16).padStart(8, '0');
}

/** The inverse of `hashHex`; undefined for anything that is not 16 hex characters. */
export function parseHashHex(text: string): RecordHash | undefined {
  if (!/^[0-9a-f]{16}$/.test(text)) return undefined;
  return [Number.parseInt(text.slice(0, 8), 16), Number.parseInt(text.slice(8), 16)];
}

export function toDigest(lanes: DigestLanes): CollectionDigest {
  return { count: lanes.count, digest: hashHex([lanes.a, lanes.b]) };
}

export function sameDigest(x: CollectionDigest | undefined, y: CollectionDigest | undefined): boolean {
  const xe = x === undefined || x.count === 0;
  const ye = y === undefined || y.count === 0;
  if (xe || ye) return xe && ye;
  return x.count === y.count && x.digest === y.digest;
}

export function sameLanes(x: DigestLanes | undefined, y: DigestLanes | undefined): boolean {
  return sameDigest(x === undefined ? undefined : toDigest(x), y === undefined ? undefined : toDigest(y));
}
