/**
 * Validation failures as one readable line: "mutations.0.id: must be a whole number >= 1".
 *
 * Issues come from syncline's shapes (shape.ts), which word every issue themselves, or from a
 * `zod/mini` schema an application hands the server (a named mutation's args): zod/mini loads no
 * locale, so an issue the schema did not word carries zod's bare "Invalid input". Loading zod's
 * English locale would mean a process-wide `z.config` call, so that line is written here from the
 * issue's structured fields instead. A message the schema set, or a configured locale produced, is
 * kept as it is.
 */

/** What describeIssues reads of an issue: shape.ts's issues and zod's both have this structure. */
export interface IssueLike {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly expected?: unknown;
  readonly values?: readonly unknown[];
  readonly keys?: readonly string[];
  readonly errors?: readonly (readonly IssueLike[])[];
}

/** Anything with zod's `safeParse` contract: syncline's shapes, and zod or zod/mini schemas. */
export interface Validator<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { readonly issues: readonly IssueLike[] } };
}

type Issue = IssueLike;
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

function closestOptionIssue(options: readonly (readonly Issue[])[] | undefined): Issue | undefined {
  if (options === undefined) return undefined;
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
      return `Invalid input: expected ${String(issue.expected)}${received(found())}`;
    case 'invalid_value':
      return `Invalid input: expected ${(issue.values ?? []).map(show).join(' or ')}`;
    case 'unrecognized_keys': {
      const keys = issue.keys ?? [];
      return `Unrecognized key${keys.length === 1 ? '' : 's'}: ${keys.map(show).join(', ')}`;
    }
    default:
      // syncline's shapes word every issue themselves; a zod schema check the application did not
      // word (a length, a format) still gets a hint of what kind of check failed.
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
