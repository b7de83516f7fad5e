/**
 * A small shape checker for the wire messages and stored rows: combinators that check a value and
 * return it typed (fresh objects and arrays holding only the declared keys), or a list of issues,
 * each with the path to what was wrong and what was expected there.
 *
 * Why not zod/mini: a web app downloads the client on its first page load, and zod/mini was 5.5 kB
 * of the client's 33.6 kB min+gzip (test/bundle/client-size.test.ts). These checks are a few hundred
 * bytes and draw exactly the lines the zod schemas drew (test/protocol/shape-reference.property.test.ts
 * compares them on random input). Applications still validate their own records with any Standard
 * Schema library (typed-collection.ts); this module is for syncline's own formats only.
 *
 * The API mirrors the part of zod the code used (`safeParse`, `parse`, `strictObject`, `optional`, …),
 * and issues have zod's structure (`code`, `path`, `message`), so describeIssues words both alike.
 */
import { describeIssues } from './issues.js';

/** One thing wrong with a value. `path` leads from the checked value to the offending part. */
export interface Issue {
  code: 'invalid_type' | 'invalid_value' | 'unrecognized_keys' | 'invalid_union' | 'custom';
  path: PropertyKey[];
  message: string;
  /** invalid_union: each option's own issues (describeIssues reports the option that got furthest). */
  errors?: Issue[][];
  /**
   * A rule broken by a value of the right structure (a refinement, a stray key), as opposed to a wrong
   * type or literal: a union reports the one option that failed only such rules, as zod did.
   */
  soft?: true;
}

/** A failed check; `issues` says what and where, and the message says the first five in one line. */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
  readonly issues: Issue[];
  constructor(issues: Issue[]) {
    super(describeIssues({ issues }));
    this.issues = issues;
  }
}

export type ParseResult<T> = { success: true; data: T; error?: never } | { success: false; data?: never; error: ShapeError };

export interface Shape<T> {
  /** Check `value`; returns what to keep, after pushing anything wrong (paths relative to it) to `issues`. */
  readonly run: (value: unknown, issues: Issue[]) => T;
  safeParse(value: unknown): ParseResult<T>;
  /** The value, or a thrown ShapeError. */
  parse(value: unknown): T;
}

/** A shape an object may leave out (`key?: T`). */
export interface OptionalShape<T> extends Shape<T | undefined> {
  readonly optional: true;
}

export type Infer<S> = S extends Shape<infer T> ? T : never;

type Fields = Record<string, Shape<unknown>>;
type Flat<T> = { [K in keyof T]: T[K] } & {};
type ObjectOf<F extends Fields> = Flat<
  { -readonly [K in keyof F as F[K] extends OptionalShape<unknown> ? never : K]: Infer<F[K]> } & {
    -readonly [K in keyof F as F[K] extends OptionalShape<unknown> ? K : never]?: Infer<F[K]>;
  }
>;

export interface ObjectShape<F extends Fields> extends Shape<ObjectOf<F>> {
  readonly shape: F;
}

/** What an object field holds when the object has no such own key (told apart from `undefined`). */
const MISSING = Symbol('missing');

export function shape<T>(run: (value: unknown, issues: Issue[]) => T): Shape<T> {
  return {
    run,
    safeParse(value) {
      const issues: Issue[] = [];
      const data = run(value, issues);
      return issues.length === 0 ? { success: true, data } : { success: false, error: new ShapeError(issues) };
    },
    parse(value) {
      const issues: Issue[] = [];
      const data = run(value, issues);
      if (issues.length > 0) throw new ShapeError(issues);
      return data;
    },
  };
}

function typeIssue(issues: Issue[], expected: string, found: unknown): void {
  const received = found === MISSING ? 'but it is missing' : `received ${found === null ? 'null' : Array.isArray(found) ? 'array' : typeof found === 'number' && !Number.isFinite(found) ? String(found) : typeof found}`;
  issues.push({ code: 'invalid_type', path: [], message: `Invalid input: expected ${expected}, ${received}` });
}

/** A value of `typeof` kind `kind`; numbers must be finite (as JSON's are). */
function primitive<T>(kind: 'string' | 'number' | 'boolean'): Shape<T> {
  return shape((value, issues) => {
    if (typeof value !== kind || (kind === 'number' && !Number.isFinite(value))) typeIssue(issues, kind, value);
    return value as T;
  });
}

export const string = (): Shape<string> => primitive('string');
export const number = (): Shape<number> => primitive('number');
export const boolean = (): Shape<boolean> => primitive('boolean');

/**
 * `inner`, then `ok` on its result unless the value's structure is wrong (a soft issue, such as a
 * field's own refinement, still lets `ok` run, as in zod); `message` when `ok` says no.
 */
export function refine<T>(inner: Shape<T>, ok: (value: T) => boolean, message: string): Shape<T> {
  return shape((value, issues) => {
    const before = issues.length;
    const out = inner.run(value, issues);
    if (onlySoft(issues, before) && !ok(out)) issues.push({ code: 'custom', path: [], message, soft: true });
    return out;
  });
}

/** Whether every issue from `from` on is soft (no copy: this runs for every id and version read). */
function onlySoft(issues: Issue[], from: number): boolean {
  for (let i = from; i < issues.length; i += 1) if (issues[i]!.soft !== true) return false;
  return true;
}

/** One of these values (compared with ===). */
export function literal<const V extends ReadonlyArray<string | number | boolean>>(...values: V): Shape<V[number]> {
  return shape((value, issues) => {
    if (!values.includes(value as V[number])) {
      const found = value === MISSING ? ', but it is missing' : '';
      issues.push({ code: 'invalid_value', path: [], message: `Invalid input: expected ${values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(' or ')}${found}` });
    }
    return value as V[number];
  });
}

export function optional<T>(inner: Shape<T>): OptionalShape<T> {
  return { ...shape((value, issues) => (value === undefined || value === MISSING ? undefined : inner.run(value, issues))), optional: true };
}

export function nullable<T>(inner: Shape<T>): Shape<T | null> {
  return shape((value, issues) => (value === null ? null : inner.run(value, issues)));
}

/** Prefix the paths of the issues pushed since `from` with `key`: the child's issues, placed. */
function placeIssues(issues: Issue[], from: number, key: PropertyKey): void {
  for (let i = from; i < issues.length; i += 1) issues[i]!.path.unshift(key);
}

export function array<T>(item: Shape<T>): Shape<T[]> {
  return shape((value, issues) => {
    if (!Array.isArray(value)) {
      typeIssue(issues, 'array', value);
      return [];
    }
    const out = new Array<T>(value.length);
    // An index loop: a hole reads as undefined and is refused, where forEach would skip it.
    for (let i = 0; i < value.length; i += 1) {
      const before = issues.length;
      out[i] = item.run(value[i], issues);
      placeIssues(issues, before, i);
    }
    return out;
  });
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * An object with these fields, as a fresh object holding only them (in declaration order). Other
 * keys are refused when `strict` (wire messages and stored rows: a foreign key means a foreign
 * format), dropped otherwise.
 */
function objectOf<F extends Fields>(fields: F, strict: boolean): ObjectShape<F> {
  const keys = Object.keys(fields);
  const run = (value: unknown, issues: Issue[]): ObjectOf<F> => {
    const out: Record<string, unknown> = {};
    if (!isObject(value)) {
      typeIssue(issues, 'object', value);
      return out as ObjectOf<F>;
    }
    for (const key of keys) {
      const present = Object.hasOwn(value, key);
      const before = issues.length;
      const checked = fields[key]!.run(present ? value[key] : MISSING, issues);
      placeIssues(issues, before, key);
      if (present) out[key] = checked;
    }
    if (strict) {
      const unknown: string[] = [];
      // for-in, as zod did: an enumerable key inherited from an odd prototype is refused too.
      for (const key in value) if (!Object.hasOwn(fields, key)) unknown.push(key);
      if (unknown.length > 0) issues.push({ code: 'unrecognized_keys', path: [], soft: true, message: `Unrecognized key${unknown.length === 1 ? '' : 's'}: ${unknown.map((k) => JSON.stringify(k)).join(', ')}` });
    }
    return out as ObjectOf<F>;
  };
  return { ...shape(run), shape: fields };
}

export const strictObject = <F extends Fields>(fields: F): ObjectShape<F> => objectOf(fields, true);
/** Unknown keys are dropped: for messages a newer peer may extend (error bodies, socket messages). */
export const object = <F extends Fields>(fields: F): ObjectShape<F> => objectOf(fields, false);

/**
 * An object whose every key satisfies `key` and every value `value`, returned as it is (a copy would
 * have to guard against an own `__proto__` key; the maps checked here hold only JSON primitives).
 */
export function record<V>(key: Shape<string>, value: Shape<V>): Shape<Record<string, V>> {
  return shape((input, issues) => {
    if (!isObject(input)) typeIssue(issues, 'object', input);
    else {
      for (const [k, v] of Object.entries(input)) {
        const before = issues.length;
        key.run(k, issues);
        value.run(v, issues);
        placeIssues(issues, before, k);
      }
    }
    return input as Record<string, V>;
  });
}

/**
 * The first option that accepts the value. When none does and exactly one failed only soft rules (it
 * has the value's structure: a stray key, a refinement), its issues are the answer; otherwise every
 * option's issues go up together.
 */
export function union<const S extends ReadonlyArray<Shape<unknown>>>(...options: S): Shape<Infer<S[number]>> {
  return shape((value, issues) => {
    const errors: Issue[][] = [];
    for (const option of options) {
      const own: Issue[] = [];
      const out = option.run(value, own);
      if (own.length === 0) return out as Infer<S[number]>;
      errors.push(own);
    }
    const structural = errors.filter((own) => own.every((issue) => issue.soft));
    if (structural.length === 1) issues.push(...structural[0]!);
    else issues.push({ code: 'invalid_union', path: [], message: 'Invalid input: matches none of the allowed shapes', errors });
    return value as Infer<S[number]>;
  });
}

/** A value `check` vouches for as it is: the checks no combinator says (a JSON copy, a thing passed on). */
export function custom<T>(check: (value: unknown, issues: Issue[]) => T = (value) => value as T): Shape<T> {
  return shape(check);
}
