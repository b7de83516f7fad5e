// zod/mini loads no locale, so issues the schemas do not word themselves arrive as a bare "Invalid
// input": describeIssues must still say where and what is wrong (the server's 400 bodies and the
// client's ProtocolErrors are built from it). This file loads no classic zod, which would install
// zod's English locale process-wide and hide exactly the case under test.
import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { describeIssues, pullResponse, pushResponse } from '../../src/protocol/wire.js';
import { pushRequest } from '../../src/protocol/wire-requests.js';

function describe1(schema: z.ZodMiniType, input: unknown, withInput = true): string {
  const parsed = schema.safeParse(input);
  if (parsed.success) throw new Error('expected the input to be refused');
  return withInput ? describeIssues(parsed.error, input) : describeIssues(parsed.error);
}

const page = { v: 1, cursor: 3, hasMore: false, lastMutationId: 0, changes: [] };

describe('describeIssues over zod/mini schemas', () => {
  it('runs without any zod locale (the case that needs it)', () => {
    expect(z.config().localeError).toBeUndefined();
  });

  it('keeps the messages the wire schemas set, with the path', () => {
    const push = { v: 1, clientId: 'client-0001', mutations: [{ id: 0, name: 'put', args: {}, createdAt: 1 }] };
    expect(describe1(pushRequest, push, false)).toBe('mutations.0.id: must be a whole number >= 1');
    const valid = { ...push, mutations: [{ id: 1, name: 'put', args: {}, createdAt: 1 }] };
    expect(describe1(pushRequest, { ...valid, clientId: 'x' })).toBe('clientId: clientId is 8-64 characters of [A-Za-z0-9_-]');
  });

  it('names the expected type, and what was found when the input is given', () => {
    expect(describe1(pullResponse, { ...page, hasMore: 'no' }, false)).toBe('hasMore: Invalid input: expected boolean');
    expect(describe1(pullResponse, { ...page, hasMore: 'no' })).toBe('hasMore: Invalid input: expected boolean, received string');
    const { hasMore: _, ...withoutHasMore } = page;
    expect(describe1(pullResponse, withoutHasMore)).toBe('hasMore: Invalid input: expected boolean, but it is missing');
  });

  it('names unknown keys and wrong literals', () => {
    expect(describe1(pullResponse, { ...page, bogus: 1 })).toBe('(root): Unrecognized key: "bogus"');
    expect(describe1(pullResponse, { ...page, v: 2 })).toBe('v: Invalid input: expected 1');
  });

  it('follows a union into the option that got furthest, down to the offending field', () => {
    const response = { v: 1, lastMutationId: 1, outcomes: [{ id: 1, status: 'applied', version: 1, result: { total: [1, Number.NaN] } }] };
    expect(describe1(pushResponse, response)).toBe('outcomes.0.result.total.1: numbers must be finite');
    const change = { ...page, changes: [{ collection: 'notes', key: 'a', version: 1, value: { when: new Date(0) } }] };
    expect(describe1(pullResponse, change)).toMatch(/^changes\.0\.value\.when: expected a JSON value/);
  });

  it('describes at most five issues, in one line', () => {
    const line = describe1(pullResponse, { a: 1, b: 2 });
    expect(line.split('; ')).toHaveLength(5);
    expect(line).not.toContain('\n');
  });
});
