/**
 * Loading a server config file: `.json` is parsed, `.js` / `.mjs` imported natively, `.ts` / `.mts`
 * through jiti (an optional peer dependency: only a TypeScript config needs it). The default export
 * (or the JSON document) is validated by `validateConfig`.
 */
import { readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '../core/errors.js';
import type { SynclineConfig } from './config.js';
import { validateConfig } from './config-schema.js';

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts']);
const JAVASCRIPT = new Set(['.js', '.mjs', '.cjs']);

/**
 * Read, evaluate and validate the config at `path`. Errors name the file (as given) and, for an
 * invalid config, the path of each bad key.
 */
export async function loadConfigFile(path: string): Promise<SynclineConfig> {
  const absolute = resolve(path);
  const name = basename(path);
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return validateConfig(readJson(absolute, path), name);
  if (JAVASCRIPT.has(ext)) return validateConfig(defaultExport(await importModule(absolute, path), path), name);
  if (TYPESCRIPT.has(ext)) return validateConfig(defaultExport(await importTypeScript(absolute, path), path), name);
  throw new InvalidArgumentError(`--config ${path}: unknown config file type "${ext || '(none)'}"; use .json, .js, .mjs or .ts.`);
}

function readJson(absolute: string, path: string): unknown {
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(`--config ${path}: cannot read the file: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`${path}: not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

async function importModule(absolute: string, path: string): Promise<unknown> {
  try {
    return await import(pathToFileURL(absolute).href);
  } catch (error) {
    throw new InvalidArgumentError(`--config ${path}: loading it failed: ${(error as Error).message}`, { cause: error });
  }
}

interface Jiti {
  import(id: string, options?: { default?: boolean }): Promise<unknown>;
}

async function importTypeScript(absolute: string, path: string): Promise<unknown> {
  let createJiti: (from: string, options?: Record<string, unknown>) => Jiti;
  try {
    ({ createJiti } = (await import('jiti')) as unknown as { createJiti: typeof createJiti });
  } catch (error) {
    throw new InvalidArgumentError(
      `--config ${path}: a TypeScript config needs the optional dependency jiti (npm install --save-dev jiti), or write the config as .json or .mjs.`,
      { cause: error },
    );
  }
  try {
    // No module cache: a restarted `serve` in the same process (tests) sees the file as it is now.
    return await createJiti(pathToFileURL(absolute).href, { moduleCache: false, fsCache: false }).import(absolute);
  } catch (error) {
    throw new InvalidArgumentError(`--config ${path}: loading it failed: ${(error as Error).message}`, { cause: error });
  }
}

/** `export default {…}` (ESM), or `module.exports = {…}` seen through ESM interop as `default`. */
function defaultExport(module: unknown, path: string): unknown {
  const value = (module as { default?: unknown }).default;
  if (value === undefined) throw new InvalidArgumentError(`${path}: no default export; write \`export default defineConfig({ … })\`.`);
  return value;
}
