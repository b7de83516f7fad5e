// examples/react-app (the README's React snippet), as a newcomer uses it: syncline built and
// installed next to react and react-dom in a fresh project, typechecked against the published types,
// bundled with esbuild, and run in Chromium against a real server on loopback.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createHttpTransport, createMemoryStore } from '../../src/index.js';
import { createSyncServer, tokenAuth } from '../../src/server.js';
import { hasChromium, launchChromium } from '../browser/browser-harness.js';
import { servePage } from './page-server.js';
import { buildPackage, REPO, run, userProject } from './user-project.js';

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

/** A fresh project with syncline, and react, react-dom and their types, as `npm install` would leave them. */
function reactProject(files: string[]) {
  const p = userProject(pkg.dir, files);
  cleanups.push(p.remove);
  mkdirSync(join(p.dir, 'node_modules', '@types'));
  for (const name of ['react', 'react-dom', 'scheduler', '@types/react', '@types/react-dom']) symlinkSync(join(REPO, 'node_modules', name), join(p.dir, 'node_modules', name), 'dir');
  return p;
}

describe('examples/react-app (syncline/react hooks)', () => {
  it('typechecks against the published types with jsx: react-jsx', async () => {
    const p = reactProject(['react-app/app.tsx']);
    const tsconfig = {
      compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', jsx: 'react-jsx', lib: ['ES2023', 'DOM'], strict: true, noEmit: true, skipLibCheck: true, types: [] },
      files: ['app.tsx'],
    };
    writeFileSync(join(p.dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const typecheck = await run(TSC, ['-p', 'tsconfig.json'], { cwd: p.dir });
    expect(typecheck.stdout + typecheck.stderr).toBe('');
  });

  // Under CI=true a missing Chromium fails (as the other browser suites do) instead of skipping.
  it.skipIf(!hasChromium && process.env.CI !== 'true')('bundled with esbuild, runs in Chromium: a product added shows at once, syncs, and the outbox counts back to 0', async () => {
    const p = reactProject(['react-app/app.tsx', 'react-app/index.html']);
    const bundled = await build({
      entryPoints: [join(p.dir, 'app.tsx')],
      absWorkingDir: p.dir,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      jsx: 'automatic',
      define: { 'process.env.NODE_ENV': '"production"' },
      write: false,
      logLevel: 'silent',
    });
    const sync = createSyncServer({ database: { sqlite: join(p.dir, 'server.db') }, auth: tokenAuth({ demo: 'shop' }), collections: { products: { writable: true } } });
    cleanups.push(() => sync.close());
    const site = await servePage(sync, {
      '/': [readFileSync(join(p.dir, 'index.html'), 'utf8'), 'text/html'],
      '/main.js': [bundled.outputFiles[0]?.text ?? '', 'text/javascript'],
    });
    cleanups.push(() => site.close());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());

    const page = await browser.context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(site.url);
    await page.locator('#status', { hasText: 'online · idle · 0 pending' }).waitFor();
    await page.fill('input[name=name]', 'Espresso');
    await page.click('button');
    await page.locator('#products li', { hasText: 'Espresso · 1.00' }).waitFor();
    await expect.poll(() => serverNames(sync), { timeout: 15_000, interval: 100 }).toEqual(['Espresso']);
    await page.locator('#status', { hasText: 'online · idle · 0 pending' }).waitFor();
    expect(pageErrors).toEqual([]);
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
