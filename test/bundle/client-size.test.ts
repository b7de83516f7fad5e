// A web app pays for the client on its first page load, so `createClient` + the IndexedDB store +
// the HTTP transport should stay within 30 kB minified and gzipped (peers ship 33-36 kB). The bundle
// is built the way an app's bundler would: minified, for the browser, with dynamic imports split
// into chunks that load only when used (fflate, for runtimes without native streams), which are
// reported but not counted. What each part costs is printed, so a change that crosses the budget
// shows where the bytes went.
import { gzipSync } from 'node:zlib';
import { build, type Metafile, type OutputFile } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * In kB of 1024 bytes (the unit the 118 kB starting point was measured in). The budget is 30 kB
 * (issue 13), and CI fails past it. History: the zod/mini conversion reached 29.3 kB; drain metrics,
 * the watchdog, the input guard, the default-client registry and the outbox checks brought it to
 * 31.7 kB; tab failover, store format 2, typed collections and paged scans to 33.6 kB. Replacing
 * zod/mini with the hand-written shapes of src/protocol/shape.ts (zod/mini was 5.5 kB of the gzip)
 * brought it to 28.5 kB; presence took it to 29.0 kB and local queries to 31.5 kB (a 32 kB ceiling
 * stood in for the budget then). The query chunk imported errors, the local schema and the local
 * view, so esbuild split those out of the entry into three shared chunks, each gzipped alone: 2.2 kB
 * of the 31.5. Handing the chunk those helpers instead (src/core/query-deps.ts), computing drain
 * metrics and settling conflicts in lazy chunks brought it back to 28.8 kB. When the breakdown shows more than one eager
 * chunk, look for a lazy module that imports an eager one: that split costs more than the code.
 */
const BUDGET_BYTES = 30 * 1024;
const ENTRY = 'test/bundle/fixtures/web-client.ts';

interface Bundle {
  /** The entry chunk and every chunk it imports statically: what the page loads. */
  eager: OutputFile[];
  /** Chunks reached only through a dynamic import. */
  lazy: OutputFile[];
  metafile: Metafile;
}

async function bundleWebClient(external: string[] = []): Promise<Bundle> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    minify: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    outdir: 'out',
    write: false,
    metafile: true,
    external,
    logLevel: 'silent',
  });
  const chunks = result.outputFiles.filter((f) => f.path.endsWith('.js'));
  const byName = new Map(chunks.map((f) => [Object.keys(result.metafile.outputs).find((name) => f.path.endsWith(name))!, f]));
  // A shared chunk (code both the entry and a lazy chunk use) loads eagerly: follow static imports.
  const eager = new Set<string>();
  const visit = (name: string) => {
    if (eager.has(name)) return;
    eager.add(name);
    for (const i of result.metafile.outputs[name]?.imports ?? []) if (i.kind === 'import-statement') visit(i.path);
  };
  visit([...byName.keys()].find((name) => name.endsWith('/web-client.js'))!);
  return {
    eager: [...byName].filter(([name]) => eager.has(name)).map(([, f]) => f),
    lazy: [...byName].filter(([name]) => !eager.has(name)).map(([, f]) => f),
    metafile: result.metafile,
  };
}

/** Each chunk is its own HTTP response, so each is gzipped on its own. */
const gzipped = (files: OutputFile[]) => files.reduce((n, f) => n + gzipSync(f.contents).byteLength, 0);
const minified = (files: OutputFile[]) => files.reduce((n, f) => n + f.contents.byteLength, 0);
const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

/** A lazy chunk by the source files in it (the entry it was split for first). */
function chunkName(metafile: Metafile, file: OutputFile): string {
  const inputs = inputsOf(metafile, [file]).filter(([, bytes]) => bytes > 0).map(([input]) => (input.includes('node_modules/') ? partOf(input) : /([^/]+)\.ts$/.exec(input)?.[1] ?? input));
  return [...new Set(inputs)].join(', ') || '(re-exports only)';
}

/** Which part of the client an input file belongs to: a package, or a folder of src/. */
function partOf(input: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (pkg !== null) return pkg[1]!;
  return /^src\/[^/]+/.exec(input)?.[0] ?? input;
}

/** The source files bundled into these chunks, with their minified bytes. */
function inputsOf(metafile: Metafile, files: OutputFile[]): Array<[string, number]> {
  return Object.entries(metafile.outputs)
    .filter(([name]) => files.some((f) => f.path.endsWith(name)))
    .flatMap(([, output]) => Object.entries(output.inputs).map(([input, { bytesInOutput }]): [string, number] => [input, bytesInOutput]));
}

/** Minified bytes per part in these chunks. */
function minifiedByPart(metafile: Metafile, files: OutputFile[]): Map<string, number> {
  const parts = new Map<string, number>();
  for (const [input, bytes] of inputsOf(metafile, files)) parts.set(partOf(input), (parts.get(partOf(input)) ?? 0) + bytes);
  return new Map([...parts].filter(([, bytes]) => bytes > 0).sort((a, b) => b[1] - a[1]));
}

describe('the web client (createClient + IndexedDB store + HTTP transport)', () => {
  it(`loads within ${kB(BUDGET_BYTES)} minified and gzipped`, async () => {
    const bundle = await bundleWebClient();
    const total = gzipped(bundle.eager);
    // Marginal gzip cost of the one package the client carries: the same bundle without it.
    const withoutIdb = gzipped((await bundleWebClient(['idb'])).eager);
    const lines = [...minifiedByPart(bundle.metafile, bundle.eager)].map(([part, bytes]) => `  ${part.padEnd(16)} ${kB(bytes).padStart(9)} minified`);
    // Lazy chunks load when first used: fflate where native streams are missing, store migrations
    // for a new or older database, the query engine on the first query (or write with indexes),
    // settling a push response that reports conflicts, the drain-metrics arithmetic on the first
    // metrics report.
    const lazy = bundle.lazy.map((f) => `  lazy chunk ${chunkName(bundle.metafile, f)}: ${kB(f.contents.byteLength)} minified, ${kB(gzipped([f]))} gzipped`);
    const shared = bundle.eager.filter((f) => !f.path.endsWith('/web-client.js'));
    const split = shared.map((f) => `  eager shared chunk of ${inputsOf(bundle.metafile, [f]).map(([input]) => input).join(', ')}: ${kB(gzipped([f]))} gzipped on its own — the first load and a lazy chunk both import these, and split out of the entry they gzip worse: hand them to the lazy module instead of importing them (src/core/query-deps.ts), or keep the first load from importing the lazy one`);
    console.log(
      [
        `web client: ${kB(total)} min+gzip (budget ${kB(BUDGET_BYTES)}: ${total <= BUDGET_BYTES ? `${kB(BUDGET_BYTES - total)} to spare` : `${kB(total - BUDGET_BYTES)} over`}), ${kB(minified(bundle.eager))} minified, ${bundle.eager.length} chunk(s)`,
        `  of the gzip: idb ${kB(total - withoutIdb)}, syncline ${kB(withoutIdb)}`,
        ...lines,
        ...split,
        ...lazy,
      ].join('\n'),
    );
    expect(total, `the web client grew to ${kB(total)} min+gzip, past its ${kB(BUDGET_BYTES)} budget (issue 13: what a web app can afford on its first load): see the breakdown above`).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('carries no zod (wire checks are src/protocol/shape.ts), no server code, and fflate only in a lazy chunk', async () => {
    const { eager, lazy, metafile } = await bundleWebClient();
    const inputs = inputsOf(metafile, eager).map(([input]) => input);
    expect(inputs.filter((p) => p.includes('node_modules/zod/'))).toEqual([]);
    expect(inputs.filter((p) => p.startsWith('src/server/') || p.includes('wire-requests') || p.includes('wire-conflicts'))).toEqual([]);
    expect(inputs.filter((p) => p.includes('node_modules/fflate'))).toEqual([]);
    expect(inputsOf(metafile, lazy).some(([p]) => p.includes('node_modules/fflate'))).toBe(true);
  });
});
