/**
 * Access rules: per collection, a read and a write predicate over the caller (roles, claims, subject)
 * and the record. `compileRules` checks the option once; `forCaller` binds the predicates to one
 * request's caller — what handlers see as `ctx.rules` and what the pull filters with.
 *
 * Where they are enforced (docs/ARCHITECTURE.md, "Access rules"):
 * - writes: the built-in generic handlers call `assertWrite` with the record before and after the
 *   write (conflicts/generic-write.ts, conflicts/increment.ts); a denial is the permanent rejection
 *   `forbidden`. Such collections never take PostgreSQL's set-based run (`ruled` in record-mutations).
 * - reads: the pull drops records the caller may not read and computes the digests it sends over the
 *   records it may (rules-pull.ts), so the client's verify sees the caller's view and its repair
 *   removes records that left it — after a role change as much as after a record change.
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { JsonObject } from '../protocol/json.js';
import { MutationRejection } from './mutation-rejection.js';
import type { AccessRules, CollectionRules, MutationCaller, RuleChecks, WriteCheck } from './types.js';

export interface CompiledRules {
  /** Whether `collection` has a write or a read rule (its generic writes then run per mutation). */
  ruled(collection: string): boolean;
  /** Whether pulls of `collection` are filtered by a read rule. */
  readRuled(collection: string): boolean;
  /** Whether any collection has a read rule. */
  readsFiltered: boolean;
  /** The predicates bound to one caller (`undefined`: the server itself acts, e.g. a dead-letter replay). */
  forCaller(caller: MutationCaller | undefined): RuleChecks;
}

/** The checks the server itself passes (a dead-letter replay the operator started). */
export const SERVER_RULES: RuleChecks = { canRead: () => true, canWrite: () => true };

export function compileRules(rules: AccessRules | undefined): CompiledRules {
  const table = new Map<string, CollectionRules>();
  for (const [collection, entry] of Object.entries(rules ?? {})) table.set(collection, checkEntry(collection, entry));
  const readRuled = (collection: string): boolean => table.get(collection)?.read !== undefined;
  return {
    ruled: (collection) => table.has(collection),
    readRuled,
    readsFiltered: [...table.values()].some((entry) => entry.read !== undefined),
    forCaller(caller) {
      // Without rules every check passes: the generic write path pays one call, no lookup.
      if (caller === undefined || table.size === 0) return SERVER_RULES;
      return {
        canRead(collection, key, value) {
          const read = table.get(collection)?.read;
          return read === undefined || read({ caller, collection, key, value }) === true;
        },
        canWrite(check) {
          const write = table.get(check.collection)?.write;
          return write === undefined || write({ ...check, caller }) === true;
        },
      };
    },
  };
}

function checkEntry(collection: string, entry: unknown): CollectionRules {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new InvalidArgumentError(`rules.${collection} must be an object with optional read and write functions.`);
  }
  const { read, write, ...rest } = entry as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new InvalidArgumentError(`rules.${collection}: unknown key(s) ${unknown.join(', ')}; a rule has only read and write.`);
  for (const [name, fn] of [['read', read], ['write', write]] as const) {
    if (fn !== undefined && typeof fn !== 'function') throw new InvalidArgumentError(`rules.${collection}.${name} must be a function returning a boolean, got ${typeof fn}.`);
  }
  return entry as CollectionRules;
}

/**
 * Refuse, for good, a generic write the caller's rules deny. A record that exists and that the
 * caller may not read cannot be written either: its conflict report would show the hidden value,
 * and a blind overwrite of a record one cannot see is not a write anyone meant.
 */
export function assertWrite(rules: RuleChecks | undefined, check: WriteCheck): void {
  if (rules === undefined) return;
  if (!rules.canWrite(check)) {
    throw new MutationRejection('forbidden', `The rules of collection "${check.collection}" do not let this caller ${check.op} record "${check.key}".`);
  }
}

/** Refuse a generic write to an existing record the caller may not read (see assertWrite). */
export function assertReadable(rules: RuleChecks | undefined, collection: string, key: string, value: JsonObject | undefined): void {
  if (rules === undefined || value === undefined || rules.canRead(collection, key, value)) return;
  throw new MutationRejection('forbidden', `The rules of collection "${collection}" do not let this caller read record "${key}", so it cannot write it either.`);
}
