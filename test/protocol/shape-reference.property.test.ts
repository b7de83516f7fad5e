// Property: the hand-written shapes (src/protocol/shape.ts) that replaced zod/mini accept exactly what
// the zod schemas accepted, return what they returned, and point at the same places when they refuse
// (test/protocol/fixtures/zod-reference.ts keeps those schemas). The server's 400s and the client's
// reading of responses and stored rows must not move by one input.
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as z from 'zod/mini';
import * as ref from './fixtures/zod-reference.js';
import type { Validator } from '../../src/protocol/issues.js';
import { describeIssues } from '../../src/protocol/issues.js';
import type { Infer } from '../../src/protocol/shape.js';
import * as wire from '../../src/protocol/wire.js';
import * as requests from '../../src/protocol/wire-requests.js';
import * as conflicts from '../../src/protocol/wire-conflicts.js';
import * as install from '../../src/protocol/wire-install.js';
import * as ops from '../../src/protocol/record-ops.js';
import { hlcString } from '../../src/protocol/hlc.js';
import { clientSocketMessage, serverSocketMessage } from '../../src/transport/websocket-messages.js';
import { outboxEntrySchema, rejectedMutationSchema } from '../../src/core/local-schema.js';
import { conflictLogEntry } from '../../src/core/conflict-log.js';
import { storedJobSchema } from '../../src/core/job-store.js';
import { jobRunSchema } from '../../src/core/job-history.js';
import { runTotalsSchema } from '../../src/core/run-history.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? (process.env['CI'] ? 500 : 200));

const HLC = '001750000000000.00042.client-aaaa';
const report = { seq: 3, strategy: 'merge', resolution: 'merged', fields: ['a'], serverVersion: 2, serverValue: { a: 1 }, value: { a: 2 }, hlc: HLC };
const applied = { id: 1, status: 'applied', version: 4, result: { n: [1, 'x', null] }, duplicate: true };
const rejected = { id: 2, status: 'rejected', version: 4, code: 'conflict', message: 'lost', conflict: report };
const job = {
  v: 1, id: 'job-1', trigger: 'periodic', options: { operation: 'delta', direction: 'push', strategy: 'batched', priority: 'critical', collections: ['a'] },
  priority: 'low', intervalMs: 1000, debounceMs: 0, createdAt: 1.5, nextDueAt: null, attempts: 0, runs: 2, claimedUntil: 7,
  lastRun: { at: 1, outcome: 'failed', syncId: 's', error: { code: 'x', message: 'y' } },
};

/** Each shape with its zod reference and valid samples (every optional field present in one, absent in another). */
const CASES: Array<{ name: string; shape: Validator<unknown>; reference: z.ZodMiniType; samples: unknown[] }> = [
  { name: 'pushRequest', shape: requests.pushRequest, reference: ref.pushRequest, samples: [
    { v: 1, clientId: 'client-aaaa', mutations: [{ id: 1, name: 'put', args: { collection: 'notes', key: 'k', value: {}, baseVersion: null }, createdAt: 0 }] },
    { v: 1, clientId: 'c'.repeat(64), mutations: [{ id: 2, name: 'n'.repeat(128), args: [1, { a: null }], createdAt: 5 }, { id: 3, name: '😀', args: 'x', createdAt: 6 }], settledThrough: 0, installId: 'install-0001' },
  ] },
  { name: 'pullRequest', shape: requests.pullRequest, reference: ref.pullRequest, samples: [
    { v: 1, clientId: 'client-aaaa', cursor: 0, limit: 5000 },
    { v: 1, clientId: 'client-aaaa', cursor: 9, limit: 1, collection: 'notes', elideOwnFrom: 1, installId: 'i'.repeat(128) },
  ] },
  { name: 'pushResponse', shape: wire.pushResponse, reference: ref.pushResponse, samples: [
    { v: 1, lastMutationId: 0, outcomes: [] },
    { v: 1, lastMutationId: 2, outcomes: [applied, rejected, { id: 3, status: 'applied', version: 5 }], previousInstall: { anything: true } },
  ] },
  { name: 'pullResponse', shape: wire.pullResponse, reference: ref.pullResponse, samples: [
    { v: 1, cursor: 0, hasMore: false, lastMutationId: 0, changes: [] },
    {
      v: 1, cursor: 7, hasMore: false, lastMutationId: 1, changes: [{ collection: 'notes', key: 'a', version: 6, value: { t: 'x' } }, { collection: 'notes', key: 'b', version: 7, deleted: true }],
      echoes: [{ version: 2, mutationId: 3, count: 2, hash: '0123456789abcdef' }, { version: 4, mutationId: 5, from: 4, base: 1, hash: 'fedcba9876543210' }],
      digests: { notes: { count: 2, digest: '0123456789abcdef' } }, digestFormat: 2, previousInstall: { clientId: 'client-bbbb', lastMutationId: 1, lastSeenAt: 0 },
    },
  ] },
  { name: 'errorBody', shape: wire.errorBody, reference: ref.errorBody, samples: [
    { error: { code: 'invalid-request', message: 'm', retryable: false } },
    { error: { code: 'busy', message: 'm', retryable: true, details: { retryAfterMs: 5 }, extra: 1 }, more: 2 },
  ] },
  { name: 'healthResponse', shape: wire.healthResponse, reference: ref.healthResponse, samples: [{ v: 1, status: 'ok' }, { v: 1, status: 'ok', uptime: 3 }] },
  { name: 'previousInstall', shape: install.previousInstall, reference: ref.previousInstall, samples: [{ clientId: 'client-aaaa', lastMutationId: 1, lastSeenAt: 0 }] },
  { name: 'conflictsResponse', shape: conflicts.conflictsResponse, reference: ref.conflictsResponse, samples: [
    { v: 1, conflicts: [], hasMore: false },
    { v: 1, hasMore: true, conflicts: [
      { ...report, clientId: 'client-aaaa', mutationId: 1, collection: 'notes', key: 'k', op: 'patch', baseVersion: 1, expected: { a: 0 }, clientValue: { a: 3 }, clientHlc: HLC, clientCreatedAt: 1, resolvedAt: 2 },
      { seq: 1, strategy: 'server-wins', resolution: 'server', serverVersion: 0, serverValue: null, value: null, clientId: 'syncline:webhook', mutationId: 2, collection: 'n', key: '', op: 'delete', baseVersion: null, clientValue: null, clientHlc: HLC, clientCreatedAt: 0, resolvedAt: 0 },
    ] },
  ] },
  { name: 'putArgs', shape: ops.putArgs, reference: ref.putArgs, samples: [{ collection: 'notes', key: 'k', value: { a: [1] }, baseVersion: null }, { collection: 'a.b-c_d', key: 'k'.repeat(256), value: {}, baseVersion: 3, hlc: HLC }] },
  { name: 'patchArgs', shape: ops.patchArgs, reference: ref.patchArgs, samples: [{ collection: 'notes', key: 'k', fields: { a: 1 }, expected: { a: null }, baseVersion: 0, hlc: HLC }] },
  { name: 'deleteArgs', shape: ops.deleteArgs, reference: ref.deleteArgs, samples: [{ collection: 'notes', key: 'k', baseVersion: null }] },
  { name: 'incrementArgs', shape: ops.incrementArgs, reference: ref.incrementArgs, samples: [{ collection: 'notes', key: 'k', field: 'stock', by: -1.5 }, { collection: 'n', key: 'k', field: 'f'.repeat(256), by: 2, hlc: HLC }] },
  { name: 'recordOp', shape: ops.recordOp, reference: ref.recordOp, samples: [
    { op: 'put', collection: 'n', key: 'k', value: { a: 1 } }, { op: 'patch', collection: 'n', key: 'k', fields: {} },
    { op: 'delete', collection: 'n', key: 'k' }, { op: 'increment', collection: 'n', key: 'k', field: 'f', by: 1 },
  ] },
  { name: 'hlcString', shape: hlcString, reference: ref.hlcString, samples: [HLC] },
  { name: 'clientSocketMessage', shape: clientSocketMessage, reference: ref.clientSocketMessage, samples: [
    { v: 1, type: 'auth', token: 't'.repeat(8192) }, { v: 1, type: 'heartbeat', at: 1 },
    { v: 1, type: 'status', clientId: 'client-aaaa', cursor: 1, pendingCount: 0, oldestPendingAgeMs: null },
  ] },
  { name: 'serverSocketMessage', shape: serverSocketMessage, reference: ref.serverSocketMessage, samples: [
    { v: 1, type: 'ready', version: 0, heartbeatMs: 1 }, { v: 1, type: 'poke', version: 3 }, { v: 1, type: 'heartbeat' },
    { v: 1, type: 'peers', peers: [{ clientId: 'x', connectedAt: 1, cursor: 2, pendingCount: 3, oldestPendingAgeMs: 4, reportedAt: 5 }] },
  ] },
  { name: 'outboxEntry', shape: outboxEntrySchema, reference: ref.outboxEntrySchema, samples: [
    { v: 1, id: 1, name: 'put', args: { a: 1 }, createdAt: 1.5, ops: [{ op: 'put', collection: 'n', key: 'k', value: {} }], covered: false },
    { v: 1, id: 2, name: 'x', args: null, createdAt: 0, ops: [], outcome: rejected, covered: true },
  ] },
  { name: 'rejectedMutation', shape: rejectedMutationSchema, reference: ref.rejectedMutationSchema, samples: [{ v: 1, id: 1, name: 'x', args: [], code: 'c', message: 'm', rejectedAt: 2, createdAt: 1 }] },
  { name: 'conflictLogEntry', shape: conflictLogEntry, reference: ref.conflictLogEntry, samples: [
    { v: 1, seq: 1, at: 2, mutationId: 3, mutationName: 'put', collection: 'n', key: 'k', clientValue: null, server: report, reappliedAs: 4 },
  ] },
  { name: 'storedJob', shape: storedJobSchema, reference: ref.storedJobSchema, samples: [job, { ...job, options: {}, lastRun: null, nextDueAt: 3 }] },
  { name: 'jobRun', shape: jobRunSchema, reference: ref.jobRunSchema, samples: [
    { v: 1, seq: 1, jobId: 'j', trigger: 'manual', outcome: 'completed', error: null, syncId: '', startedAt: 0, durationMs: 1.5, bytesUp: 0, bytesDown: 0, attempt: 1 },
  ] },
  { name: 'runTotals', shape: runTotalsSchema, reference: ref.runTotalsSchema, samples: [
    { v: 1, byTrigger: {}, applied: 0, rejected: 0, lastSuccessAt: null },
    { v: 1, byTrigger: { manual: { completed: 1, failed: 0, cancelled: 2 } }, applied: 3, rejected: 1, lastSuccessAt: 5 },
  ] },
];

/** Values that break some rule somewhere: wrong types, bounds, lengths, formats, not JSON. Made fresh for each use (faults may nest). */
const BAD: Array<() => unknown> = [
  '', 'n'.repeat(129), 'k'.repeat(257), 'a'.repeat(65), '😀'.repeat(200), '1abc', 'bad name', 'short', 'syncline:Bad', '001750000000000.00000.', 'ABCDEF0123456789',
  -1, 0, 1, 2, 1.5, -0, Number.NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER + 2, 5001, 2 ** 53, undefined, null, true, false, Symbol('s'), 10n,
  'applied', 'rejected', 'put', 'delete', 'auth', 'status', 'peers', 'merge', 'manual', 'high',
].map((value) => () => value);
BAD.push(
  () => ({}), () => [], () => [1], () => new Array<unknown>(2), () => new Date(0), () => () => 1, () => JSON.parse('{"__proto__": {"a": 1}}') as unknown,
  () => Object.create(null) as unknown, () => ({ a: Number.NaN }), () => [{ b: undefined }], () => new Array<unknown>(201).fill(0).map(() => ({})),
);

/** Every object or array in `value`, with `value` first. */
function containers(value: unknown): Array<Record<string, unknown> | unknown[]> {
  const out: Array<Record<string, unknown> | unknown[]> = [];
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || v instanceof Date) return;
    out.push(v as Record<string, unknown>);
    for (const child of Object.values(v)) walk(child);
  };
  walk(value);
  return out;
}

/** A sample with up to three faults: a value replaced by a bad one, a key dropped, a stray key added. */
function faulted(samples: unknown[]): fc.Arbitrary<unknown> {
  const fault = fc.tuple(fc.nat(), fc.nat(), fc.nat(BAD.length - 1), fc.nat(3));
  // fast-check's own values (`anything`) are copied before they go in: a later fault may edit inside them.
  return fc.tuple(fc.nat(samples.length - 1), fc.array(fault, { minLength: 0, maxLength: 3 }), fc.jsonValue({ maxDepth: 3 })).map(([i, faults, anything]) => {
    let input = structuredClone(samples[i]);
    for (const [where, which, bad, how] of faults) {
      const targets = containers(input);
      const target = targets[where % Math.max(1, targets.length)];
      if (target === undefined) {
        input = how === 3 ? structuredClone(anything) : BAD[bad]!();
        continue;
      }
      const keys = Object.keys(target);
      const key = keys[which % Math.max(1, keys.length)];
      const t = target as Record<string, unknown>;
      if (how === 0 && key !== undefined) t[key] = BAD[bad]!();
      else if (how === 1 && key !== undefined) delete t[key];
      else if (how === 2) t[['stray', '__proto__', 'v', 'hlc', 'extra'][which % 5]!] = BAD[bad]!();
      else if (key !== undefined) t[key] = structuredClone(anything);
    }
    return input;
  });
}

/**
 * Where the reference could not name the place: zod's discriminated unions (the socket messages)
 * report the discriminator, and its run totals said one line for the whole trigger map (the shape
 * names the entry).
 */
const PLACES_DIFFER = new Set(['clientSocketMessage', 'serverSocketMessage', 'runTotals']);

/** The places a description names: "a.b: …; (root): …" → ["a.b", "(root)"] (zod sometimes named one twice). */
const places = (line: string) => [...new Set(line.split('; ').map((part) => part.slice(0, part.indexOf(': '))))];

describe('the shapes draw the lines the zod schemas drew', () => {
  for (const { name, shape, reference, samples } of CASES) {
    it(`${name}: same verdict, same value, same places named`, () => {
      for (const sample of samples) expect(shape.safeParse(sample).success, `sample of ${name}`).toBe(true);
      let refused = 0;
      fc.assert(
        fc.property(faulted(samples), (input) => {
          const mine = shape.safeParse(input);
          const theirs = reference.safeParse(input);
          expect(mine.success, `verdict on ${inspect(input)}`).toBe(theirs.success);
          if (mine.success && theirs.success) {
            expect(mine.data).toStrictEqual(theirs.data);
          } else if (!mine.success && !theirs.success) {
            refused += 1;
            if (!PLACES_DIFFER.has(name)) expect(places(describeIssues(mine.error)), `places on ${inspect(input)}`).toEqual(places(describeIssues(theirs.error, input)));
          }
        }),
        { numRuns: RUNS },
      );
      // Most inputs carry a fault: a run that refused nothing would have compared nothing interesting.
      expect(refused).toBeGreaterThan(RUNS / 4);
    });
  }

  it('infer the types zod inferred', () => {
    expectTypeOf<Infer<typeof requests.pushRequest>>().toEqualTypeOf<z.infer<typeof ref.pushRequest>>();
    expectTypeOf<Infer<typeof requests.pullRequest>>().toEqualTypeOf<z.infer<typeof ref.pullRequest>>();
    expectTypeOf<Infer<typeof wire.pullResponse>>().toEqualTypeOf<z.infer<typeof ref.pullResponse>>();
    expectTypeOf<Infer<typeof wire.pushResponse>>().toEqualTypeOf<z.infer<typeof ref.pushResponse>>();
    expectTypeOf<Infer<typeof conflicts.conflictsResponse>>().toEqualTypeOf<z.infer<typeof ref.conflictsResponse>>();
    expectTypeOf<Infer<typeof ops.putArgs>>().toEqualTypeOf<z.infer<typeof ref.putArgs>>();
    expectTypeOf<Infer<typeof ops.patchArgs>>().toEqualTypeOf<z.infer<typeof ref.patchArgs>>();
    expectTypeOf<Infer<typeof ops.incrementArgs>>().toEqualTypeOf<z.infer<typeof ref.incrementArgs>>();
    expectTypeOf<Infer<typeof clientSocketMessage>>().toEqualTypeOf<z.infer<typeof ref.clientSocketMessage>>();
    expectTypeOf<Infer<typeof serverSocketMessage>>().toEqualTypeOf<z.infer<typeof ref.serverSocketMessage>>();
    expectTypeOf<Infer<typeof outboxEntrySchema>>().toEqualTypeOf<z.infer<typeof ref.outboxEntrySchema>>();
    expectTypeOf<Infer<typeof conflictLogEntry>>().toEqualTypeOf<z.infer<typeof ref.conflictLogEntry>>();
    expectTypeOf<Infer<typeof storedJobSchema>>().toEqualTypeOf<z.infer<typeof ref.storedJobSchema>>();
    expectTypeOf<Infer<typeof jobRunSchema>>().toEqualTypeOf<z.infer<typeof ref.jobRunSchema>>();
    expectTypeOf<Infer<typeof runTotalsSchema>>().toEqualTypeOf<z.infer<typeof ref.runTotalsSchema>>();
  });
});
