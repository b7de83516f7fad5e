/**
 * Echo markers: instead of sending a client back the records its own generic writes just produced,
 * the server sends a marker naming the mutations, and the client rebuilds the values from its outbox.
 * The marker carries a hash of the values the server holds, so a client that rebuilt something else
 * (an entry it no longer has, an outcome it never learned) finds out and asks for the full page
 * instead of storing a wrong value. Both ends hash with `EchoHasher`; key order does not matter.
 */
import type { JsonValue } from './json.js';
import { canonicalJson, fmix32 } from './digest.js';

/**
 * A 64-bit hash (two FNV-1a lanes over UTF-16 code units, finished with murmur3's fmix32) of a
 * sequence of records: `collection NUL key NUL canonicalJson(value)`, each followed by SOH.
 */
export class EchoHasher {
  #a = 0x811c9dc5;
  #b = 0x050c5d1f;

  add(collection: string, key: string, value: JsonValue): void {
    this.#feed(collection);
    this.#feed('\u0000');
    this.#feed(key);
    this.#feed('\u0000');
    this.#feed(canonicalJson(value));
    this.#feed('\u0001');
  }

  digest(): string {
    return fmix32(this.#a).toString(16).padStart(8, '0') + fmix32(this.#b ^ 0x9e3779b9).toString(16).padStart(8, '0');
  }

  #feed(text: string): void {
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
}
