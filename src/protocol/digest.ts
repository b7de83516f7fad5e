/**
 * The convergence digest: an order-independent fingerprint of a collection's live records, computed
 * identically by server and client. Each record contributes a 64-bit hash of (collection, key,
 * version), kept as two 32-bit lanes; the digest is the lane-wise sum mod 2^32 plus the record count.
 * Sums (not XOR) so that a record present twice does not cancel out; both add and remove are O(1), so
 * the server maintains it inside each write transaction.
 */

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

export const emptyLanes = (): DigestLanes => ({ count: 0, a: 0, b: 0 });

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Two independent 32-bit FNV-1a hashes (different offset bases), finalised with murmur3's fmix32. */
export function recordHash(collection: string, key: string, version: number): [number, number] {
  const input = `${collection}\u0000${key}\u0000${version}`;
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return [fmix32(a), fmix32(b ^ 0x9e3779b9)];
}

/** Add (sign 1) or remove (sign -1) one record's contribution. */
export function updateLanes(lanes: DigestLanes, collection: string, key: string, version: number, sign: 1 | -1): DigestLanes {
  const [ha, hb] = recordHash(collection, key, version);
  return {
    count: lanes.count + sign,
    a: (lanes.a + sign * ha) >>> 0,
    b: (lanes.b + sign * hb) >>> 0,
  };
}

export function toDigest(lanes: DigestLanes): CollectionDigest {
  return { count: lanes.count, digest: lanes.a.toString(16).padStart(8, '0') + lanes.b.toString(16).padStart(8, '0') };
}

export function sameDigest(x: CollectionDigest | undefined, y: CollectionDigest | undefined): boolean {
  const xe = x === undefined || x.count === 0;
  const ye = y === undefined || y.count === 0;
  if (xe || ye) return xe && ye;
  return x.count === y.count && x.digest === y.digest;
}
