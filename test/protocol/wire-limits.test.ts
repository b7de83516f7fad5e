// The wire's bounds are refinements (cheaper in a browser bundle than zod's checks): they must draw
// the lines exactly where the protocol does — zod's own checks drew them before.
import { describe, expect, it } from 'vitest';
import { incrementArgs } from '../../src/protocol/record-ops.js';
import { LIMITS, mutationId, recordKey, version } from '../../src/protocol/wire.js';
import { pushRequest } from '../../src/protocol/wire-requests.js';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) => schema.safeParse(value).success;

describe('wire bounds', () => {
  it('counts key lengths in characters (code points), so an emoji counts once', () => {
    expect(ok(recordKey, '')).toBe(false);
    expect(ok(recordKey, 'k'.repeat(LIMITS.maxKeyLength))).toBe(true);
    expect(ok(recordKey, 'k'.repeat(LIMITS.maxKeyLength + 1))).toBe(false);
    expect(ok(recordKey, '😀'.repeat(LIMITS.maxKeyLength))).toBe(true);
    expect(ok(recordKey, '😀'.repeat(LIMITS.maxKeyLength + 1))).toBe(false);
    const increment = { collection: 'c', key: 'k', by: 1 };
    expect(ok(incrementArgs, { ...increment, field: 'é'.repeat(256) })).toBe(true);
    expect(ok(incrementArgs, { ...increment, field: '' })).toBe(false);
  });

  it('takes whole numbers in the safe range only', () => {
    for (const n of [0, 1, Number.MAX_SAFE_INTEGER]) expect(ok(version, n)).toBe(true);
    for (const n of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN, Number.POSITIVE_INFINITY, '1']) expect(ok(version, n)).toBe(false);
    expect(ok(mutationId, 0)).toBe(false);
  });

  it('takes 1 to maxMutationsPerPush mutations in a push', () => {
    const push = (count: number) => ({
      v: 1,
      clientId: 'client-0001',
      mutations: Array.from({ length: count }, (_, i) => ({ id: i + 1, name: 'm', args: null, createdAt: 0 })),
    });
    expect(ok(pushRequest, push(0))).toBe(false);
    expect(ok(pushRequest, push(LIMITS.maxMutationsPerPush))).toBe(true);
    expect(ok(pushRequest, push(LIMITS.maxMutationsPerPush + 1))).toBe(false);
  });
});
