/**
 * Validation failures as one readable line: "mutations.0.id: must be a whole number >= 1".
 *
 * The schemas are `zod/mini`, which loads no locale: an issue without a message of its own (one the
 * schema did not set) carries zod's bare "Invalid input". Loading zod's English locale would cost a
 * browser bundle kilobytes and mean a process-wide `z.config` call, so the line is written here from
 * the issue's structured fields instead. A message the schema set, or that a locale the application
 * configured produced, is kept as it is.
 */
import type * as z from 'zod/mini';

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

/** zod's message when neither the schema nor a configured locale supplied one. */
const BARE_MESSAGE = 'Invalid input';
const MAX_ISSUES = 5;

/**
 * Describe up to five issues of a failed parse. Pass the parsed `input` too when it is at hand: an
 * issue about a wrong type then also says what was found ("expected number, received string").
 */
export function describeIssues(error: { readonly issues: readonly Issue[] }, input?: unknown): string {
  return error.issues
    .slice(0, MAX_ISSUES)
    .map((issue) => describeIssue(issue, [], input))
    .join('; ');
}

function describeIssue(issue: Issue, prefix: readonly PathKey[], root: unknown): string {
  const path = [...prefix, ...issue.path];
  // A union reports "matched no option" with every option's own issues: the option that got
  // furthest into the value (the longest path) says what is actually wrong.
  const closest = issue.code === 'invalid_union' ? closestOptionIssue(issue.errors) : undefined;
  if (closest !== undefined) return describeIssue(closest, path, root);
  const where = path.length > 0 ? path.map(String).join('.') : '(root)';
  return `${where}: ${issueMessage(issue, () => valueAt(root, path))}`;
}

function closestOptionIssue(options: readonly (readonly Issue[])[]): Issue | undefined {
  let best: Issue | undefined;
  for (const issue of options.flat()) {
    if (best === undefined || rank(issue) > rank(best)) best = issue;
  }
  return best;
}

/** Deeper issues first; at equal depth, anything says more than "wrong type" (every option's complaint). */
function rank(issue: Issue): number {
  return issue.path.length * 2 + (issue.code === 'invalid_type' ? 0 : 1);
}

function issueMessage(issue: Issue, found: () => unknown): string {
  if (issue.message !== BARE_MESSAGE) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return `Invalid input: expected ${issue.expected}${received(found())}`;
    case 'invalid_value':
      return `Invalid input: expected ${issue.values.map(show).join(' or ')}`;
    case 'unrecognized_keys':
      return `Unrecognized key${issue.keys.length === 1 ? '' : 's'}: ${issue.keys.map(show).join(', ')}`;
    default:
      // The wire schemas give every check a message of its own (see wire.ts); a schema from
      // elsewhere that does not still gets a hint of what kind of check failed.
      return `Invalid input (${issue.code})`;
  }
}

/** Stands for a field the input does not have (versus one that holds `undefined`). */
const MISSING = Symbol('missing');

function received(value: unknown): string {
  if (value === MISSING) return ', but it is missing';
  if (value === undefined) return '';
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' && Number.isNaN(value) ? 'NaN' : typeof value;
  return `, received ${kind}`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** The value at `path` inside `root`: MISSING where the path leaves it, undefined when there is no root. */
function valueAt(root: unknown, path: readonly PathKey[]): unknown {
  if (root === undefined) return undefined;
  let value: unknown = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return MISSING;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
