/** The shared JSON guard, as the client uses it: what the server refuses is refused before queueing. */
import { describe, expect, it } from 'vitest';
import { assertShallowEnough } from '../../src/core/json-depth.js';
import { findJsonProblem } from '../../src/protocol/json-guard.js';

const limits = { maxDepth: 4, maxKeys: 3 };

describe('findJsonProblem', () => {
  it('accepts ordinary JSON, astral text, and Object.prototype names as keys', () => {
    expect(findJsonProblem({ a: [1, 'x', { constructor: '😀', toString: null }] }, limits)).toBeUndefined();
  });

  it('names the reason and the path of the first problem', () => {
    expect(findJsonProblem({ a: [0, { b: 'x\uD800' }] }, limits)).toMatchObject({ reason: 'lone-surrogate', path: 'a.1.b' });
    expect(findJsonProblem({ a: { '\uDC00': 1 } }, limits)).toMatchObject({ reason: 'lone-surrogate', path: 'a.\\udc00' });
    expect(findJsonProblem(['\u0000'], limits)).toMatchObject({ reason: 'nul-character', path: '0' });
    expect(findJsonProblem(JSON.parse('{"x":{"__proto__":1}}'), limits)).toMatchObject({ reason: 'proto-key', path: 'x.__proto__' });
    expect(findJsonProblem({ a: 1, b: 2, c: 3, d: 4 }, limits)).toMatchObject({ reason: 'too-many-keys', path: '' });
    expect(findJsonProblem([[[[[]]]]], limits)).toMatchObject({ reason: 'too-deep' });
    expect(findJsonProblem([[[[]]]], limits)).toBeUndefined();
  });

  it('the client refuses such a write before it is queued', () => {
    expect(() => assertShallowEnough({ v: 'a\uD83D' }, 'Record values')).toThrow(/lone UTF-16 surrogate.*nothing was queued/);
    expect(() => assertShallowEnough(JSON.parse('{"__proto__":{}}'), 'Mutation args')).toThrow(/__proto__/);
    expect(() => assertShallowEnough({ ok: '😀' }, 'Record values')).not.toThrow();
  });
});
