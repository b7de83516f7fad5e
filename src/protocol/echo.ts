/**
 * Echo markers: instead of sending a client back the records its own generic writes just produced,
 * the server sends a marker naming the mutations, and the client rebuilds the values from its outbox.
 * The marker carries a hash of the values the server holds, so a client that rebuilt something else
 * (an entry it no longer has, an outcome it never learned) finds out and asks for the full page
 * instead of storing a wrong value. Both ends hash with `EchoHasher`; key order does not matter.
 */
import type { JsonValue } from './json.js';
import { canonicalJson, Fnv64, hashHex } from './digest.js';

/**
 * A 64-bit hash (two FNV-1a lanes over UTF-16 code units, finished with murmur3's fmix32) of a
 * sequence of records: `collection NUL key NUL canonicalJson(value)`, each followed by SOH.
 */
export class EchoHasher {
  #fnv = new Fnv64();

  add(collection: string, key: string, value: JsonValue): void {
    this.#fnv.feed(`${collection}\u0000${key}\u0000${canonicalJson(value)}\u0001`);
  }

  digest(): string {
    return hashHex(this.#fnv.hash());
  }
}
