/**
 * Bundles the till page with esbuild when the demo starts (a second or so; nothing is written to
 * disk). esbuild is a development dependency: the web demo runs from a checkout of the repository.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as Esbuild from 'esbuild';

/** src/web-demo/page/main.ts, found from this module in src/ (tsx) or from dist/ after a build. */
function pageEntry(): string {
  for (const root of [join(import.meta.dirname, '..', '..'), join(import.meta.dirname, '..')]) {
    const entry = join(root, 'src', 'web-demo', 'page', 'main.ts');
    if (existsSync(entry)) return entry;
  }
  throw new Error('The web demo runs from a checkout of the syncline repository (its page is bundled from src/web-demo/page): clone it, then `npm install && npm start`.');
}

export async function bundleTillPage(): Promise<string> {
  const entry = pageEntry();
  // A computed specifier: the library build must not try to inline esbuild into dist/.
  const specifier = 'esbuild';
  let esbuild: typeof Esbuild;
  try {
    esbuild = (await import(specifier)) as typeof Esbuild;
  } catch (error) {
    throw new Error('The web demo needs esbuild (a development dependency of syncline): run `npm install` in the repository.', { cause: error });
  }
  const out = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]?.text ?? '';
}
