// The server's 400 bodies and the client's ProtocolErrors are built from describeIssues: it must say
// where and what is wrong, for syncline's own shapes (src/protocol/shape.ts) and for the zod/mini
// schemas an application hands the server (named mutations' args). zod/mini loads no locale, so an
// issue such a schema does not word arrives as a bare "Invalid input". This file loads no classic
// zod, which would install zod's English locale process-wide and hide exactly that case.
import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import type { Validator } from '../../src/protocol/issues.js';
import { describeIssues, pullResponse, pushResponse } from '../../src/protocol/wire.js';
import { pushRequest } from '../../src/protocol/wire-requests.js';

function describe1(schema: Validator<unknown>, input: unknown, withInput = true): string {
  const parsed = schema.safeParse(input);
  if (parsed.success) throw new Error('expected the input to be refused');
  return withInput ? describeIssues(parsed.error, input) : describeIssues(parsed.error);
}

const page = { v: 1, cursor: 3, hasMore: false, lastMutationId: 0, changes: [] };

describe('describeIssues over the wire shapes', () => {
  it('keeps the messages the wire shapes set, with the path', () => {
    const push = { v: 1, clientId: 'client-0001', mutations: [{ id: 0, name: 'put', args: {}, createdAt: 1 }] };
    expect(describe1(pushRequest, push, false)).toBe('mutations.0.id: must be a whole number >= 1');
    const valid = { ...push, mutations: [{ id: 1, name: 'put', args: {}, createdAt: 1 }] };
    expect(describe1(pushRequest, { ...valid, clientId: 'x' })).toBe('clientId: clientId is 8-64 characters of [A-Za-z0-9_-]');
  });

  it('names the expected type and what was found, without needing the input', () => {
    expect(describe1(pullResponse, { ...page, hasMore: 'no' }, false)).toBe('hasMore: Invalid input: expected boolean, received string');
    expect(describe1(pullResponse, { ...page, cursor: Number.NaN }, false)).toBe('cursor: Invalid input: expected number, received NaN');
    expect(describe1(pullResponse, { ...page, changes: {} }, false)).toBe('changes: Invalid input: expected array, received object');
    const { hasMore: _, ...withoutHasMore } = page;
    expect(describe1(pullResponse, withoutHasMore, false)).toBe('hasMore: Invalid input: expected boolean, but it is missing');
  });

  it('names unknown keys and wrong literals', () => {
    expect(describe1(pullResponse, { ...page, bogus: 1 })).toBe('(root): Unrecognized key: "bogus"');
    expect(describe1(pullResponse, { ...page, bogus: 1, other: 2 })).toBe('(root): Unrecognized keys: "bogus", "other"');
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

  it('is the message of the error parse() throws', () => {
    expect(() => pullResponse.parse({ ...page, hasMore: 'no' })).toThrow(/^hasMore: Invalid input: expected boolean, received string$/);
  });
});

describe('describeIssues over zod/mini schemas (an application\'s mutation args on the server)', () => {
  const args = z.strictObject({ id: z.string(), count: z.number(), kind: z.literal(['a', 'b']) });

  it('runs without any zod locale (the case that needs it)', () => {
    expect(z.config().localeError).toBeUndefined();
  });

  it('words the issues zod leaves bare, with what was found when the input is given', () => {
    expect(describe1(args, { id: 'x', count: 'one', kind: 'a' })).toBe('count: Invalid input: expected number, received string');
    expect(describe1(args, { id: 'x', count: 1 })).toBe('kind: Invalid input: expected "a" or "b"');
    expect(describe1(args, { count: 1, kind: 'a' })).toBe('id: Invalid input: expected string, but it is missing');
    expect(describe1(args, { id: 'x', count: 1, kind: 'a', more: true })).toBe('(root): Unrecognized key: "more"');
  });

  it('keeps a message the schema set', () => {
    expect(describe1(z.string().check(z.minLength(2, 'too short')), 'x')).toBe('(root): too short');
  });
});
