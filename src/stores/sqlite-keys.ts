/**
 * Keys as the SQLite store keeps them.
 *
 * SQLite compares TEXT bytewise on UTF-8, which is code-point order; the Store contract promises
 * JavaScript's UTF-16 code-unit order. The two disagree for astral characters (surrogate pairs sort
 * below U+E000..U+FFFF in JavaScript, above them in UTF-8), and a lone surrogate cannot be written as
 * UTF-8 at all (it would silently become U+FFFD). So every code unit from U+D800 up is stored as the
 * astral code point U+10000 + (unit - 0xD800): astral code points sort above every BMP character in
 * UTF-8, and among themselves in unit order, so byte order of the stored text equals code-unit order
 * of the key. Keys without such units (nearly all) are stored unchanged and stay readable.
 */

const HAS_HIGH_UNITS = /[\uD800-\uFFFF]/;
const HAS_ASTRAL = /[\uD800-\uDBFF]/;
const SHIFT = 0x10000 - 0xd800;

export function encodeKey(key: string): string {
  if (!HAS_HIGH_UNITS.test(key)) return key;
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const unit = key.charCodeAt(i);
    out += unit >= 0xd800 ? String.fromCodePoint(unit + SHIFT) : key[i];
  }
  return out;
}

export function decodeKey(stored: string): string {
  if (!HAS_ASTRAL.test(stored)) return stored;
  let out = '';
  for (const char of stored) {
    const point = char.codePointAt(0) as number;
    out += point >= 0x10000 ? String.fromCharCode(point - SHIFT) : char;
  }
  return out;
}
