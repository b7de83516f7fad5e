// A newcomer's setup, for real: the package built as it would be published (tsdown, package.json with
// its exports map) and a project made the way `npm init -y` makes one (CommonJS by default), with
// `syncline` in its node_modules. Dependencies resolve from this repository's node_modules, so no
// registry is needed.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const REPO = join(import.meta.dirname, '..', '..');
const BIN = join(REPO, 'node_modules', '.bin');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

/** The package as published: dist/ built by tsdown into a temporary directory, with package.json. */
export async function buildPackage(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'syncline-pkg-'));
  const built = await run(join(BIN, 'tsdown'), ['--out-dir', join(dir, 'dist'), '--no-clean'], { cwd: REPO });
  if (built.code !== 0) throw new Error(`tsdown failed:\n${built.stdout}\n${built.stderr}`);
  copyFileSync(join(REPO, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A project as `npm init -y` makes it (no "type": CommonJS), with syncline installed and the given example files copied in. */
export function userProject(pkgDir: string, examples: string[]): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'syncline-user-'));
  const npmInit = { name: 'my-app', version: '1.0.0', main: 'index.js', scripts: { test: 'echo "Error: no test specified" && exit 1' }, keywords: [], author: '', license: 'ISC', description: '' };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(npmInit, null, 2));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(pkgDir, join(dir, 'node_modules', 'syncline'), 'dir');
  for (const file of examples) cpSync(join(REPO, 'examples', file), join(dir, file.split('/').at(-1) ?? file));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A long-running example (a server): started, its URL read from the line it prints, stopped by SIGTERM. */
export async function startProcess(command: string, args: string[], options: { cwd: string; env?: Record<string, string>; urlLine: RegExp }): Promise<{ url: string; output: string[]; stop(): Promise<number | null> }> {
  const child: ChildProcess = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      output.push(line);
      const match = options.urlLine.exec(line);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`${command} exited (${code}) before listening:\n${output.join('\n')}`)));
  });
  return {
    url,
    output,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
