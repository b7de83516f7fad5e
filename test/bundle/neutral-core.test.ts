// The client core must load in browsers and React Native: bundle it for the browser with nothing
// external and check that no Node built-in or Node-only package got in.
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const NODE_ONLY = /^(node:|fs$|path$|os$|crypto$|zlib$|http$|https$|net$|child_process$|worker_threads$|ws$|better-sqlite3|kysely|hono|@hono\/)/;

async function bundle(entry: string) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
  const bytes = result.outputFiles.reduce((n, f) => n + f.contents.byteLength, 0);
  return { imports, inputs: Object.keys(result.metafile.inputs), bytes };
}

describe('platform-neutral client core', () => {
  it('syncline (the client core) bundles for the browser without Node built-ins', async () => {
    const { imports, inputs, bytes } = await bundle('src/index.ts');
    expect(imports.filter((p) => NODE_ONLY.test(p))).toEqual([]);
    expect(inputs.some((p) => p.includes('src/server') || p.includes('sqlite'))).toBe(false);
    expect(bytes).toBeGreaterThan(1000);
  });

  it('syncline/indexeddb (the browser store) bundles for the browser', async () => {
    const { imports } = await bundle('src/indexeddb.ts');
    expect(imports.filter((p) => NODE_ONLY.test(p))).toEqual([]);
  });

  it('syncline/sw (service worker and page helper) bundles for the browser', async () => {
    const { imports, inputs } = await bundle('src/sw.ts');
    expect(imports.filter((p) => NODE_ONLY.test(p))).toEqual([]);
    expect(inputs.some((p) => p.includes('src/server') || p.includes('sqlite'))).toBe(false);
  });

  it('syncline/react-native (the store on op-sqlite / expo-sqlite) bundles without Node built-ins or better-sqlite3', async () => {
    const { imports, inputs } = await bundle('src/react-native.ts');
    expect(imports.filter((p) => NODE_ONLY.test(p) || p === 'better-sqlite3')).toEqual([]);
    expect(inputs.some((p) => p.includes('src/server') || p.includes('sqlite-store') || p.includes('sqlite-schema'))).toBe(false);
  });

  it('syncline/receipts (shared domain code) bundles for the browser too', async () => {
    const { imports } = await bundle('src/receipts.ts');
    expect(imports.filter((p) => NODE_ONLY.test(p))).toEqual([]);
  });
});
