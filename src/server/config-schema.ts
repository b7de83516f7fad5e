/**
 * Validation of a loaded server config file, where it enters: every problem is reported with the
 * file and the path of the bad key (`syncline.config.json: auth.jwt.secret: expected string, received
 * number`), all at once, before anything starts.
 */
import { z } from 'zod';
import { InvalidArgumentError } from '../core/errors.js';
import type { SynclineConfig } from './config.js';

const fn = (what: string) =>
  z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', {
    error: `expected a function (${what}); functions can only be declared in a .ts, .js or .mjs config, not in JSON`,
  });

const positiveInt = z.number().int().positive();
const nonNegative = z.number().nonnegative();

const fieldRule = z.union([z.enum(['server', 'client', 'lww', 'delta']), fn('a field rule')], {
  error: 'expected "server", "client", "lww", "delta" or a function',
});

const conflicts = z.union(
  [
    z.enum(['server-wins', 'client-wins', 'last-writer-wins']),
    z.strictObject({ merge: z.record(z.string(), fieldRule), otherFields: fieldRule.optional() }),
    z.strictObject({ resolve: fn('a conflict resolver') }),
  ],
  { error: 'expected "server-wins", "client-wins", "last-writer-wins", { merge: { field: rule } } or { resolve: function }' },
);

const rate = z.strictObject({ perSecond: z.number().positive(), burst: positiveInt.optional() });

const configSchema = z.strictObject({
  database: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  host: z.string().min(1).optional(),
  auth: z
    .strictObject({
      jwt: z
        .strictObject({ secret: z.string().min(1).optional(), jwksUrl: z.url().optional(), issuer: z.string().optional(), audience: z.string().optional() })
        .optional(),
      tokens: z.record(z.string().min(1), z.string().min(1)).optional(),
      insecureDemo: z.boolean().optional(),
    })
    .optional(),
  durability: z.enum(['durable', 'relaxed']).optional(),
  cors: z.strictObject({ origins: z.union([z.literal('*'), z.array(z.string().min(1))]), maxAgeSeconds: nonNegative.optional() }).optional(),
  limits: z
    .strictObject({
      rate: z.strictObject({ perToken: rate.optional(), perClient: rate.optional(), maxTracked: positiveInt.optional() }).optional(),
      maxBodyBytes: positiveInt.optional(),
      bodyTimeoutMs: positiveInt.optional(),
      maxPullLimit: positiveInt.optional(),
      maxPullPageBytes: positiveInt.optional(),
      maxStreamsPerToken: positiveInt.optional(),
      timeouts: z.strictObject({ headersMs: positiveInt.optional(), requestMs: positiveInt.optional(), idleMs: positiveInt.optional() }).optional(),
    })
    .optional(),
  // Loose: a key CollectionPolicy gains later passes through to the server, which checks it; a
  // misspelt `writable` still fails, as the key is required.
  collections: z.record(z.string(), z.looseObject({ writable: z.boolean(), conflicts: conflicts.optional() })).optional(),
  mutations: z.record(z.string(), fn('a named mutation handler')).optional(),
  tombstones: z.strictObject({ retainDays: z.number().positive(), purgeEveryMinutes: z.number().positive().optional() }).optional(),
  drainSeconds: nonNegative.optional(),
  metricsToken: z.string().min(1).optional(),
  consoleToken: z.string().min(16, 'the console token is an admin password: at least 16 characters').optional(),
  // Passed through to createSyncServer as it is: the server checks its own options.
  server: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Check a config file's default export; `file` names it in the error.
 * @throws InvalidArgumentError listing every bad key as `file: path: problem`.
 */
export function validateConfig(value: unknown, file: string): SynclineConfig {
  const result = configSchema.safeParse(value);
  if (result.success) return value as SynclineConfig; // the value itself: functions and passthrough intact
  const problems = result.error.issues.flatMap((issue) => describeIssue(issue, file));
  throw new InvalidArgumentError(`Invalid server config:\n  ${problems.join('\n  ')}`, { details: { file, problems } });
}

function describeIssue(issue: z.core.$ZodIssue, file: string): string[] {
  const where = (path: readonly PropertyKey[]) => (path.length === 0 ? '(top level)' : path.map(String).join('.'));
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${file}: ${where([...issue.path, key])}: unknown key (a typo? other server options go under "server")`);
  }
  return [`${file}: ${where(issue.path)}: ${issue.message.replace(/^Invalid input: /, '')}`];
}
