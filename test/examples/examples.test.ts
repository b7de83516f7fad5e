// Every example under examples/ (the README's snippets are these files), run the way a newcomer runs
// them: in a fresh `npm init -y` project (CommonJS by default) with the built package installed,
// against the real `syncline serve` CLI or the example server on loopback.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createHttpTransport, createMemoryStore } from '../../src/index.js';
import { createSyncServer, tokenAuth } from '../../src/server.js';
import { hasChromium, launchChromium } from '../browser/browser-harness.js';
import { servePage } from './page-server.js';
import { buildPackage, REPO, run, startProcess, userProject } from './user-project.js';

const TSX = join(REPO, 'node_modules', '.bin', 'tsx');
const TSC = join(REPO, 'node_modules', '.bin', 'tsc');
let pkg: Awaited<ReturnType<typeof buildPackage>>;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  pkg = await buildPackage();
}, 120_000);
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  pkg?.remove();
});

/** `syncline serve` from the built bin, on a free port, with the README's default token. */
async function cliServer(cwd: string) {
  const server = await startProcess(process.execPath, [join(pkg.dir, 'dist', 'cli', 'main.js'), 'serve', '--port', '0', '--db', join(cwd, 'server.db'), '--insecure-demo'], {
    cwd,
    urlLine: /listening on (http:\/\/\S+)/,
  });
  cleanups.push(() => server.stop());
  return server;
}

function project(files: string[]) {
  const p = userProject(pkg.dir, files);
  cleanups.push(p.remove);
  return p;
}

describe('examples/node-script (the README "Use" snippet)', () => {
  it('runs in a fresh npm init -y project, twice, each run a new receipt synced once', async () => {
    const p = project(['node-script/sync.mjs']);
    const server = await cliServer(p.dir);
    const env = { SYNCLINE_URL: server.url };
    const first = await run(process.execPath, ['sync.mjs'], { cwd: p.dir, env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/sync completed: .*verified/);
    expect(first.stdout).toContain('receipts on this till: 1, pending: 0');
    const second = await run(process.execPath, ['sync.mjs'], { cwd: p.dir, env }); // the same pos.db: must not crash
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('receipts on this till: 2, pending: 0');
  });

  it("require('syncline') works from CommonJS (the exports map has a require-able condition)", async () => {
    const p = project(['node-script/sync.cjs']);
    const server = await cliServer(p.dir);
    const result = await run(process.execPath, ['sync.cjs'], { cwd: p.dir, env: { SYNCLINE_URL: server.url } });
    expect(result.stderr.replace(/^.*ExperimentalWarning.*\n(.*--trace-warnings.*\n)?/gm, '')).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/sync completed: pushed [01], pending: 0/); // background sync may have pushed first
  });
});

describe('examples/custom-server (own collections, conflict policies, a named mutation)', () => {
  it('serves its collections; the client writes, archives through the mutation, and one bad archive is refused without blocking', async () => {
    const p = project(['custom-server/server.mjs', 'custom-server/client.mjs']);
    const server = await startProcess(process.execPath, ['server.mjs'], { cwd: p.dir, env: { PORT: '0' }, urlLine: /listening on (http:\/\/\S+)/ });
    cleanups.push(() => server.stop());
    const result = await run(process.execPath, ['client.mjs'], { cwd: p.dir, env: { NOTES_URL: server.url } });
    expect(result.stderr).toContain('refused (not-found): There is no note "no-such-note" to archive.');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '')).toEqual({ archived: 'Groceries', likes: 1, notesLeft: 0, refused: 1 });
    // Another scope sees none of it.
    const eve = await run(process.execPath, ['client.mjs'], { cwd: p.dir, env: { NOTES_URL: server.url, NOTES_TOKEN: 'eve-token', NOTES_CLIENT_DB: './eve.db' } });
    expect(eve.code).toBe(0);
    expect(await server.stop()).toBe(0); // SIGTERM closes listener and database; the process exits by itself
  });
});

describe('examples/server-config (syncline serve --config, the README snippet)', () => {
  it('the built CLI serves the .ts config\'s collections and named mutation to a real client', async () => {
    const p = project(['server-config/syncline.config.ts']);
    // defineConfig types the file: it typechecks against the published declarations as written.
    const tsconfig = {
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, exactOptionalPropertyTypes: true, typeRoots: [join(REPO, 'node_modules', '@types')], types: ['node'] },
      files: ['syncline.config.ts'],
    };
    writeFileSync(join(p.dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const typecheck = await run(TSC, ['-p', 'tsconfig.json'], { cwd: p.dir });
    expect(typecheck.stdout + typecheck.stderr).toBe('');
    const server = await startProcess(process.execPath, [join(pkg.dir, 'dist', 'cli', 'main.js'), 'serve', '--config', 'syncline.config.ts'], {
      cwd: p.dir,
      env: { SYNCLINE_PORT: '0' }, // the environment wins over the file's port
      urlLine: /listening on (http:\/\/\S+)/,
    });
    cleanups.push(() => server.stop());
    expect(server.output.join('\n')).toContain('collections: notes, tags, mutations: notes.archive');
    const client = await createClient({ store: createMemoryStore(), transport: createHttpTransport({ url: server.url, token: 'alice-token' }), autoSync: false });
    cleanups.push(() => client.close());
    await client.collection('notes').put('n1', { title: 'Groceries', body: 'milk', likes: 0 });
    await client.sync();
    await client.mutate('notes.archive', { id: 'n1' });
    await client.mutate('notes.archive', { id: 'missing' });
    await client.sync();
    expect(await client.collection('archive').get('n1')).toEqual({ title: 'Groceries', body: 'milk', likes: 0, number: 1 });
    expect(await client.rejectedMutations()).toEqual([expect.objectContaining({ code: 'not-found' })]);
    expect(await server.stop()).toBe(0);
  });
});

describe('examples/seed (the seed document\'s usage examples)', () => {
  it('typechecks against the published types and runs as written', async () => {
    const p = project(['seed/seed-usage.mts']);
    const tsconfig = {
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, typeRoots: [join(REPO, 'node_modules', '@types')], types: ['node'] },
      files: ['seed-usage.mts'],
    };
    writeFileSync(join(p.dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const typecheck = await run(TSC, ['-p', 'tsconfig.json'], { cwd: p.dir });
    expect(typecheck.stdout + typecheck.stderr).toBe('');

    const server = await cliServer(p.dir);
    const result = await run(TSX, ['seed-usage.mts'], { cwd: p.dir, env: { SYNCLINE_URL: server.url } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toEqual({
      success: true,
      pushed: 1,
      verify: 'verified',
      pinnedPushBatch: 200,
      quality: 'good',
      heavySync: 'unknown',
      job: 'periodic',
      plugin: ['before:manual', 'after:completed'],
      completed: ['completed'],
    });
  });
});

describe('examples/browser-app (IndexedDB, shared tabs, realtime pokes)', () => {
  it('typechecks against the published types as a bundler resolves them', async () => {
    const p = project(['browser-app/main.ts']);
    const tsconfig = {
      compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2023', 'DOM'], strict: true, noEmit: true, skipLibCheck: true, types: [] },
      files: ['main.ts'],
    };
    writeFileSync(join(p.dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const typecheck = await run(TSC, ['-p', 'tsconfig.json'], { cwd: p.dir });
    expect(typecheck.stdout + typecheck.stderr).toBe('');
  });

  // Under CI=true a missing Chromium fails (as the other browser suites do) instead of skipping.
  it.skipIf(!hasChromium && process.env.CI !== 'true')('bundled with esbuild, runs in Chromium: adds a product, syncs it, listens for pokes, and a second tab shows it', async () => {
    const p = project(['browser-app/main.ts', 'browser-app/index.html']);
    const bundled = await build({ entryPoints: [join(p.dir, 'main.ts')], absWorkingDir: p.dir, bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
    const sync = createSyncServer({ database: { sqlite: join(p.dir, 'server.db') }, auth: tokenAuth({ demo: 'shop' }), collections: { products: { writable: true } } });
    cleanups.push(() => sync.close());
    const site = await servePage(sync, {
      '/': [readFileSync(join(p.dir, 'index.html'), 'utf8'), 'text/html'],
      '/main.js': [bundled.outputFiles[0]?.text ?? '', 'text/javascript'],
    });
    cleanups.push(() => site.close());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());

    const first = await browser.context.newPage();
    await first.goto(site.url);
    await first.locator('#status', { hasText: '0 pending' }).waitFor();
    const second = await browser.context.newPage();
    await second.goto(site.url);
    await second.locator('#status', { hasText: 'online' }).waitFor();

    await first.fill('input[name=name]', 'Espresso');
    await first.click('button');
    await first.locator('#products li', { hasText: 'Espresso · 1.00' }).waitFor();
    // The page renders the list before it reads the pending count, so for a moment the status line
    // still says "0 pending" from before the click: wait for the server to hold the write instead.
    await expect.poll(() => serverNames(sync), { timeout: 15_000, interval: 100 }).toEqual(['Espresso']);
    expect(site.requests).toContain('POST /v1/push');
    await first.locator('#status', { hasText: 'online · 0 pending' }).waitFor();
    await second.locator('#products li', { hasText: 'Espresso · 1.00' }).waitFor();
    expect(site.requests).toContain('GET /v1/events'); // the realtime channel (Server-Sent Events) is open
  });
});

/** The names of the products the server holds, as a fresh client pulls them. */
async function serverNames(sync: ReturnType<typeof createSyncServer>): Promise<unknown[]> {
  const client = await createClient({ store: createMemoryStore(), transport: createHttpTransport({ url: 'http://syncline.test', token: 'demo', fetch: (r) => sync.fetch(r) }), autoSync: false });
  try {
    await client.sync();
    return (await client.collection('products').list()).map((r) => r.value['name']);
  } finally {
    await client.close();
  }
}

describe('README', () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');

  it('starts with the two commands a newcomer runs: the demo and the tests', () => {
    const firstBlock = /^# syncline\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(firstBlock).toMatch(/^npm install && npm start\b/m);
    expect(firstBlock).toMatch(/^npm test\b/m);
  });

  it('shows each example file verbatim (so every snippet in it is one of these tested files)', () => {
    const included = [...readme.matchAll(/<!-- example: (\S+) -->\n```\w+\n([\s\S]*?)```/g)];
    expect(included.map((m) => m[1]).sort()).toEqual(['browser-app/main.ts', 'custom-server/server.mjs', 'node-script/sync.mjs', 'react-app/app.tsx', 'server-config/syncline.config.ts']);
    for (const [, file, body] of included) expect(body, file).toBe(readFileSync(join(REPO, 'examples', file!), 'utf8'));
    // …and no code snippet outside them (shell command lines aside).
    expect(readme.match(/^```(ts|tsx|js|jsx|typescript|javascript)$/gm)).toHaveLength(included.length);
  });
});
