/**
 * `syncline serve --config FILE` as a real child process (tsx over src/cli/main.ts) on loopback:
 * collections, conflict policies and named mutations declared in a .json or .ts file serve real
 * clients; environment variables and flags override the file; a bad file, or a database URL of an
 * unknown kind, stops the start with a message naming the file and the key.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../src/cli/serve.js';
import { createClient, createHttpTransport, createMemoryStore } from '../../src/index.js';
import { tempDir } from '../helpers/harness.js';
import { freePort } from '../helpers/postgres-cluster.js';
import { REPO, run, startProcess } from '../examples/user-project.js';

const MAIN = join(REPO, 'src', 'cli', 'main.ts');
// By absolute URL: the child runs in a temporary directory, where the bare name would not resolve.
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function dir(): string {
  const d = tempDir('syncline-config-');
  cleanups.push(d.remove);
  return d.path;
}

async function serve(cwd: string, args: string[], env: Record<string, string> = {}) {
  const server = await startProcess(process.execPath, ['--import', TSX, MAIN, 'serve', ...args], { cwd, env, urlLine: /listening on (http:\/\/\S+)/ });
  cleanups.push(() => server.stop());
  return server;
}

/** The CLI run to completion (a start that must fail, --help, status). */
function cli(cwd: string, args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, ['--import', TSX, MAIN, ...args], { cwd, env });
}

async function client(url: string, token: string) {
  const c = await createClient({
    store: createMemoryStore(),
    transport: createHttpTransport({ url, token }),
    autoSync: false,
    mutators: { 'notes.archive': (args) => [{ op: 'delete', collection: 'notes', key: (args as { id: string }).id }] },
  });
  cleanups.push(() => c.close());
  return c;
}

describe('syncline serve --config', () => {
  it('a .json config: its collections and conflict policy serve clients, and its `server` section reaches createSyncServer', async () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'syncline.config.json'), JSON.stringify({
      database: './server.db',
      auth: { tokens: { 'alice-token': 'team-a', 'bob-token': 'team-a' } },
      collections: { notes: { writable: true, conflicts: 'server-wins' } },
      // A createSyncServer option the config loader does not know by name: passed through as it is.
      server: { basePath: '/sync' },
    }));
    const server = await serve(cwd, ['--config', 'syncline.config.json', '--port', '0']);
    expect(server.output.join('\n')).toContain('collections: notes, mutations: none');
    const alice = await client(`${server.url}/sync`, 'alice-token');
    await alice.collection('notes').put('n1', { title: 'Groceries' });
    expect((await alice.sync()).pushed.applied).toBe(1);
    const bob = await client(`${server.url}/sync`, 'bob-token');
    await bob.sync();
    expect(await bob.collection('notes').get('n1')).toEqual({ title: 'Groceries' });
    // The receipts demo domain is not served when the config declares its own collections.
    await alice.collection('products').put('p', { n: 1 });
    await alice.sync();
    expect(await alice.rejectedMutations()).toEqual([expect.objectContaining({ code: 'forbidden' })]);
    // Without the base path there is nothing: the option really reached the server.
    expect((await fetch(`${server.url}/v1/health/ready`)).status).toBe(404);
  });

  it('a .ts config (loaded through jiti): a custom collection with a merge policy and a named mutation', async () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'syncline.config.ts'), `
import { defineConfig } from ${JSON.stringify(join(REPO, 'src/server/config.ts'))};
import { MutationRejection } from ${JSON.stringify(join(REPO, 'src/server/mutation-rejection.ts'))};
const archive = async (ctx: any, args: any) => {
  const note = await ctx.get('notes', args.id);
  if (note === undefined) throw new MutationRejection('not-found', 'There is no note "' + args.id + '" to archive.');
  await ctx.put('archive', args.id, { ...note, number: await ctx.nextCounter('archive') });
  await ctx.delete('notes', args.id);
  return { archived: true };
};
export default defineConfig({
  database: './notes.db',
  auth: { tokens: { 'alice-token': 'team-a', 'bob-token': 'team-a' } },
  collections: { notes: { writable: true, conflicts: { merge: { title: 'lww', likes: 'delta' } } } },
  mutations: { 'notes.archive': archive },
});
`);
    const server = await serve(cwd, ['--config', 'syncline.config.ts', '--port', '0']);
    const alice = await client(server.url, 'alice-token');
    const bob = await client(server.url, 'bob-token');
    await alice.collection('notes').put('n1', { title: 'Groceries', likes: 0 });
    await alice.sync();
    await bob.sync();
    // Both like the note from the same base: the `delta` rule adds both increments.
    await alice.collection('notes').increment('n1', 'likes', 1);
    await bob.collection('notes').increment('n1', 'likes', 1);
    await alice.sync();
    await bob.sync();
    await alice.sync();
    expect(await alice.collection('notes').get('n1')).toEqual({ title: 'Groceries', likes: 2 });
    await alice.mutate('notes.archive', { id: 'n1' });
    await alice.mutate('notes.archive', { id: 'missing' });
    await alice.sync();
    await bob.sync();
    expect(await bob.collection('archive').get('n1')).toEqual({ title: 'Groceries', likes: 2, number: 1 });
    expect(await bob.collection('notes').get('n1')).toBeUndefined();
    expect(await alice.rejectedMutations()).toEqual([expect.objectContaining({ code: 'not-found' })]);
  });

  it('a .ts config where jiti is not installed: the error says to install it or use .json/.mjs', async () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'syncline.config.ts'), 'export default { auth: { insecureDemo: true } };');
    // A resolve hook that makes `jiti` unresolvable, as in a project that never installed it.
    const hook = 'export async function resolve(specifier, context, next) { if (specifier === "jiti") { const e = new Error("Cannot find package \'jiti\'"); e.code = "ERR_MODULE_NOT_FOUND"; throw e; } return next(specifier, context); }';
    writeFileSync(join(cwd, 'no-jiti.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});\n`);
    const result = await run(process.execPath, ['--import', TSX, '--import', './no-jiti.mjs', MAIN, 'serve', '--config', 'syncline.config.ts'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--config syncline.config.ts: a TypeScript config needs the optional dependency jiti (npm install --save-dev jiti), or write the config as .json or .mjs.');
  });

  it('environment variables override the file, flags override both', async () => {
    const cwd = dir();
    const port = await freePort();
    writeFileSync(join(cwd, 'syncline.config.json'), JSON.stringify({ database: './from-file.db', port: 1, auth: { insecureDemo: true } }));
    const server = await serve(cwd, ['--config', 'syncline.config.json'], { SYNCLINE_DB_URL: 'sqlite:./from-env.db', SYNCLINE_PORT: String(port) });
    expect(server.url).toBe(`http://127.0.0.1:${port}`);
    expect(server.output.join('\n')).toContain(`db ${join(cwd, 'from-env.db')}`);
    expect(existsSync(join(cwd, 'from-file.db'))).toBe(false);
    await server.stop();

    const flagged = await serve(cwd, ['--port', '0', '--db', './from-flag.db'], { SYNCLINE_CONFIG: 'syncline.config.json', SYNCLINE_DB_URL: './from-env.db' });
    expect(flagged.output.join('\n')).toContain(`db ${join(cwd, 'from-flag.db')}`);
    expect(flagged.output.join('\n')).toContain('INSECURE DEMO'); // auth still from the file named by SYNCLINE_CONFIG
  });

  it('--console-token (or SYNCLINE_CONSOLE_TOKEN) turns the console on and prints its URL, never the token', async () => {
    const cwd = dir();
    const token = 'console-token-from-env-0123';
    const server = await serve(cwd, ['--insecure-demo', '--port', '0', '--db', './c.db'], { SYNCLINE_CONSOLE_TOKEN: token });
    const output = server.output.join('\n');
    expect(output).toContain(`syncline console: ${server.url}/console?token=<console token>`);
    expect(output).not.toContain(token);
    expect((await fetch(`${server.url}/console`)).status).toBe(401);
    const login = await fetch(`${server.url}/console?token=${token}`, { redirect: 'manual' });
    expect(login.status).toBe(303);
    await server.stop();

    const off = await serve(cwd, ['--insecure-demo', '--port', '0', '--db', './c.db']);
    expect(off.output.join('\n')).not.toContain('syncline console');
    expect((await fetch(`${off.url}/console?token=${token}`, { redirect: 'manual' })).status).toBe(404);
  });

  it('a bad config stops the start: exit code 1, every bad key named with the file', async () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'syncline.config.json'), JSON.stringify({
      auth: { jwt: { secret: 42 } },
      colections: {},
      collections: { notes: { writable: 'yes' } },
      mutations: { 'notes.archive': 'a string is not a handler' },
    }));
    const result = await cli(cwd, ['serve', '--config', 'syncline.config.json', '--port', '0']);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('listening on');
    expect(result.stderr).toContain('syncline.config.json: auth.jwt.secret: expected string, received number');
    expect(result.stderr).toContain('syncline.config.json: colections: unknown key');
    expect(result.stderr).toContain('syncline.config.json: collections.notes.writable: expected boolean, received string');
    expect(result.stderr).toMatch(/syncline\.config\.json: mutations\.notes\.archive: expected a function .*not in JSON/);
    expect(existsSync(join(cwd, 'data'))).toBe(false); // nothing was opened

    writeFileSync(join(cwd, 'broken.json'), '{ "port": 80, }');
    const broken = await cli(cwd, ['serve', '--config', 'broken.json']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^broken\.json: not valid JSON/m);
  });

  it('a database URL of an unknown kind, or a malformed one, fails at start and says what is accepted', async () => {
    const cwd = dir();
    const mysql = await cli(cwd, ['serve', '--insecure-demo', '--db', 'mysql://root:hunter2@db/app']);
    expect(mysql.code).toBe(1);
    expect(mysql.stderr).toContain('--db: unsupported database "mysql://…"; syncline runs on a SQLite file path (or sqlite:PATH) or a PostgreSQL URL');
    expect(mysql.stderr).not.toContain('hunter2');
    const malformed = await cli(cwd, ['serve', '--insecure-demo'], { SYNCLINE_DB_URL: 'postgres://u:p@db:99999/app' });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('SYNCLINE_DB_URL: malformed PostgreSQL URL');
    writeFileSync(join(cwd, 'syncline.config.json'), JSON.stringify({ database: 'mongodb://db/app', auth: { insecureDemo: true } }));
    const fromFile = await cli(cwd, ['serve', '--config', 'syncline.config.json']);
    expect(fromFile.stderr).toContain('syncline.config.json: database: unsupported database "mongodb://…"');
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });
});

describe('serve settings: flags > environment > config file > defaults', () => {
  const file = { port: 9000, host: '0.0.0.0', database: 'postgres://u@db/app', durability: 'relaxed', drainSeconds: 3, metricsToken: 'from-file', auth: { jwt: { issuer: 'iss', audience: 'aud' } }, limits: { rate: { perToken: { perSecond: 5 } }, maxBodyBytes: 1000 }, tombstones: { retainDays: 2 } };

  it('takes each value from the highest layer that has it', () => {
    const fromFile = parseServeArgs([], { SYNCLINE_JWT_SECRET: 's3cret' }, { ...file, auth: { jwt: { ...file.auth.jwt } } }, 'f.json');
    expect(fromFile).toMatchObject({ port: 9000, host: '0.0.0.0', database: { postgres: 'postgres://u@db/app' }, durability: 'relaxed', drainMs: 3000, metricsToken: 'from-file', retainTombstonesMs: 2 * 86_400_000, rate: { perToken: { perSecond: 5 } }, limits: { maxBodyBytes: 1000 } });
    // The secret from the environment joins the file's issuer and audience.
    expect(fromFile.auth).toEqual({ kind: 'jwt', secret: 's3cret', issuer: 'iss', audience: 'aud' });
    const env = { SYNCLINE_JWT_SECRET: 's3cret', SYNCLINE_PORT: '9001', SYNCLINE_HOST: '10.0.0.1', SYNCLINE_DB_URL: 'postgresql://v@db2/app', SYNCLINE_DURABILITY: 'durable', SYNCLINE_METRICS_TOKEN: 'from-env', SYNCLINE_DRAIN_SECONDS: '4', SYNCLINE_JWT_ISSUER: 'iss-env' };
    expect(parseServeArgs([], env, file, 'f.json')).toMatchObject({ port: 9001, host: '10.0.0.1', database: { postgres: 'postgresql://v@db2/app' }, durability: 'durable', metricsToken: 'from-env', drainMs: 4000, auth: { issuer: 'iss-env', audience: 'aud' } });
    expect(parseServeArgs(['--port', '9002', '--host', '::1', '--metrics-token', 'from-flag', '--durability', 'relaxed', '--rate-per-token', '9'], env, file, 'f.json')).toMatchObject({ port: 9002, host: '::1', metricsToken: 'from-flag', durability: 'relaxed', rate: { perToken: { perSecond: 9 } } });
    // Auth flags replace the file's auth section as a whole.
    expect(parseServeArgs(['--token', 'a=shop'], {}, file, 'f.json').auth).toEqual({ kind: 'tokens', tokens: { a: 'shop' }, insecureDemo: false });
    expect(() => parseServeArgs([], {}, {}, 'f.json')).toThrow(/No authentication configured/);
    // The console token: flag > SYNCLINE_CONSOLE_TOKEN > file; too short is refused naming its source.
    const consoleFile = { ...file, consoleToken: 'c'.repeat(16) };
    expect(parseServeArgs([], env, consoleFile, 'f.json').consoleToken).toBe('c'.repeat(16));
    expect(parseServeArgs([], { ...env, SYNCLINE_CONSOLE_TOKEN: 'e'.repeat(16) }, consoleFile, 'f.json').consoleToken).toBe('e'.repeat(16));
    expect(parseServeArgs(['--console-token', 'f'.repeat(16)], { ...env, SYNCLINE_CONSOLE_TOKEN: 'e'.repeat(16) }, consoleFile, 'f.json').consoleToken).toBe('f'.repeat(16));
    expect(parseServeArgs([], env, file, 'f.json').consoleToken).toBeUndefined();
    expect(() => parseServeArgs(['--console-token', 'short'], env, file, 'f.json')).toThrow(/^--console-token: the console token is an admin password and must be at least 16 characters/);
    expect(() => parseServeArgs([], { ...env, SYNCLINE_CONSOLE_TOKEN: 'short' }, file, 'f.json')).toThrow(/^SYNCLINE_CONSOLE_TOKEN: /);
    expect(() => parseServeArgs([], env, { ...file, consoleToken: 'short' }, 'f.json')).toThrow(/f\.json: consoleToken: the console token is an admin password/);
  });

  it('names the variable a bad value came from', () => {
    expect(() => parseServeArgs(['--insecure-demo'], { SYNCLINE_PORT: 'eighty' })).toThrow(/^SYNCLINE_PORT: expected an integer 0-65535, got "eighty"/);
    expect(() => parseServeArgs(['--insecure-demo'], { SYNCLINE_DURABILITY: 'fast' })).toThrow(/^SYNCLINE_DURABILITY: expected "durable"/);
    expect(() => parseServeArgs([], {}, { auth: { tokens: { t: 's' } } }, 'c.json')).not.toThrow();
    expect(() => parseServeArgs([], { SYNCLINE_JWT_SECRET: 'x' }, { auth: { tokens: { t: 's' } } }, 'c.json')).toThrow(/cannot be combined/);
  });
});

describe('config file validation', () => {
  it('passes keys a collection policy may gain through to the server, but a misspelt `writable` fails', () => {
    const base = { auth: { insecureDemo: true } };
    expect(parseServeArgs([], {}, { ...base, collections: { notes: { writable: true, rules: { read: 'any' } } } }, 'c.json').collections).toEqual({ notes: { writable: true, rules: { read: 'any' } } });
    expect(() => parseServeArgs([], {}, { ...base, collections: { notes: { writeable: true } } }, 'c.json')).toThrow('c.json: collections.notes.writable: expected boolean, received undefined');
    expect(() => parseServeArgs([], {}, { ...base, collections: { notes: { writable: true, conflicts: 'newest' } } }, 'c.json')).toThrow(/c\.json: collections\.notes\.conflicts: expected "server-wins"/);
  });
});
