/** `syncline --version` and `syncline <command> --help`, as a user runs them (a child process). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO, run } from '../examples/user-project.js';

const MAIN = join(REPO, 'src', 'cli', 'main.ts');
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const cli = (...args: string[]) => run(process.execPath, ['--import', TSX, MAIN, ...args], { cwd: REPO });
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

describe('syncline --help / --version', () => {
  it('prints the version from package.json, for the program and for each command', async () => {
    const [top, serve] = await Promise.all([cli('--version'), cli('serve', '--version')]);
    for (const result of [top, serve]) {
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(VERSION);
    }
  });

  it('prints each command its own options, exit code 0, without running it', async () => {
    const [serve, status, importHelp, demo, top] = await Promise.all([cli('serve', '--help'), cli('status', '--help'), cli('import', '-h'), cli('demo', '--help'), cli('--help')]);
    expect(serve.code).toBe(0);
    expect(serve.stdout).toMatch(/^syncline serve — /);
    expect(serve.stdout).toContain('--config FILE');
    // Every environment variable serve reads is listed.
    for (const name of ['SYNCLINE_CONFIG', 'SYNCLINE_DB_URL', 'SYNCLINE_PORT', 'SYNCLINE_HOST', 'SYNCLINE_JWT_SECRET', 'SYNCLINE_METRICS_TOKEN']) expect(serve.stdout).toContain(name);
    expect(serve.stdout).not.toContain('listening on');
    expect(status.stdout).toMatch(/^syncline status — [\s\S]*read-only[\s\S]*--db FILE/);
    expect(importHelp.stdout).toMatch(/^syncline import — [\s\S]*--scope S/);
    expect(demo.stdout).toMatch(/^syncline demo — [\s\S]*--clients N/);
    for (const result of [status, importHelp, demo, top]) expect(result.code).toBe(0);
    expect(top.stdout).toContain('syncline <command> --help');
  });
});
