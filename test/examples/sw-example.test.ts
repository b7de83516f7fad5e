// examples/sw-background-sync, as a user builds it: the packed package installed in a fresh project,
// both files type-checked against the published types, each bundled with the esbuild command line its
// header gives, then run in Chromium: a note added offline reaches the server through the service
// worker's Background Sync after the page was closed.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createHttpTransport, createMemoryStore } from '../../src/index.js';
import { createSyncServer, tokenAuth } from '../../src/server.js';
import { hasChromium, launchChromium, watchBackgroundSync } from '../browser/browser-harness.js';
import { servePage } from './page-server.js';
import { buildPackage, REPO, run, userProject } from './user-project.js';

const TSC = join(REPO, 'node_modules', '.bin', 'tsc');
const ESBUILD = join(REPO, 'node_modules', '.bin', 'esbuild');
const FILES = ['sw-background-sync/sw.ts', 'sw-background-sync/main.ts', 'sw-background-sync/index.html'];
let pkg: Awaited<ReturnType<typeof buildPackage>>;
let project: ReturnType<typeof userProject>;

beforeAll(async () => {
  pkg = await buildPackage();
  project = userProject(pkg.dir, FILES);
}, 120_000);
afterAll(() => {
  project?.remove();
  pkg?.remove();
});

describe('examples/sw-background-sync (syncline/sw: a service worker that drains after the page is gone)', () => {
  it('typechecks against the published types as a bundler resolves them', async () => {
    const tsconfig = {
      compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2023', 'DOM'], strict: true, noEmit: true, skipLibCheck: true, types: [] },
      files: ['sw.ts', 'main.ts'],
    };
    writeFileSync(join(project.dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const typecheck = await run(TSC, ['-p', 'tsconfig.json'], { cwd: project.dir });
    expect(typecheck.stdout + typecheck.stderr).toBe('');
  });

  it.skipIf(!hasChromium && process.env.CI !== 'true')('bundled with the esbuild CLI, runs in Chromium: a note added offline reaches the server through Background Sync after the page is closed', async () => {
    for (const entry of ['sw', 'main']) {
      const bundled = await run(ESBUILD, [`${entry}.ts`, '--bundle', '--format=esm', `--outfile=${entry}.js`, '--log-level=warning'], { cwd: project.dir });
      expect(bundled.code, bundled.stderr).toBe(0);
    }
    const sync = createSyncServer({ database: { sqlite: join(project.dir, 'server.db') }, auth: tokenAuth({ demo: 'shop' }), collections: { notes: { writable: true } } });
    const read = (file: string): string => readFileSync(join(project.dir, file), 'utf8');
    const site = await servePage(sync, { '/': [read('index.html'), 'text/html'], '/main.js': [read('main.js'), 'text/javascript'], '/sw.js': [read('sw.js'), 'text/javascript'] });
    const browser = await launchChromium();
    try {
      const log = await watchBackgroundSync(await browser.context.newCDPSession(await browser.context.newPage()));
      const page = await browser.context.newPage();
      await page.goto(site.url);
      await page.locator('#status', { hasText: 'background-sync · 0 pending' }).waitFor();
      await browser.context.setOffline(true);
      await page.fill('input[name=text]', 'written offline');
      await page.click('button');
      await page.locator('#status', { hasText: '1 pending' }).waitFor();
      await page.close();
      const ended = log.outcome('syncline');
      await browser.context.setOffline(false);
      const outcome = await ended;
      const diagnosis = `sync log: ${JSON.stringify(log.entries)}\nconsole:\n${browser.console.join('\n')}`;
      expect(outcome.metadata['Status'], diagnosis).toBe('succeeded');
      expect(await serverNotes(sync), diagnosis).toEqual(['written offline']);
    } finally {
      await browser.close();
      await site.close();
      await sync.close();
    }
  }, 90_000);
});

async function serverNotes(sync: ReturnType<typeof createSyncServer>): Promise<unknown[]> {
  const client = await createClient({ store: createMemoryStore(), transport: createHttpTransport({ url: 'http://syncline.test', token: 'demo', fetch: (r) => sync.fetch(r) }), autoSync: false });
  try {
    await client.sync();
    return (await client.collection('notes').list()).map((r) => r.value['text']);
  } finally {
    await client.close();
  }
}
