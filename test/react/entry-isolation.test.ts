// React is an optional peer: only syncline/react may import it. The core bundle (what every app
// loads) must carry none of it, and syncline/react must leave React to the app (external), so an
// app never gets two copies.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

async function inputsOf(entry: string, external: string[] = []) {
  const result = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent', external });
  return { inputs: Object.keys(result.metafile.inputs), imports: Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path)) };
}

describe('React stays out of the core', () => {
  it('no source file outside src/react imports react', () => {
    const importers = sourceFiles(SRC)
      .filter((f) => /from ['"]react(-dom)?(\/[^'"]*)?['"]/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    // src/web-demo/page is an app (the `npm start` till, bundled by the demo with React inside), not library code.
    expect(importers.filter((f) => !f.startsWith('react/') && f !== 'react.ts' && !f.startsWith('web-demo/page/'))).toEqual([]);
    expect(importers.length).toBeGreaterThan(0);
  });

  it('the syncline bundle carries no React', async () => {
    const { inputs } = await inputsOf(join(SRC, 'index.ts'));
    expect(inputs.filter((p) => /node_modules\/(react|react-dom|scheduler)\//.test(p) || p.includes('src/react'))).toEqual([]);
  });

  it('syncline/react bundles for the browser with React external and no Node built-ins', async () => {
    const { inputs, imports } = await inputsOf(join(SRC, 'react.ts'), ['react']);
    expect(inputs.filter((p) => p.includes('node_modules/react'))).toEqual([]);
    expect(imports).toContain('react');
    expect(imports.filter((p) => p.startsWith('node:') || p.includes('sqlite') || p.includes('src/server'))).toEqual([]);
  });
});
