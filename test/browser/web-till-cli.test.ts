// `npm start` as a user runs it: `syncline web-demo` in a child process prints the till, the second
// till and the console URLs, serves all three on one loopback port, and on Ctrl-C (SIGINT) stops,
// exits 0 and removes its temporary data. The terminal demo moved to `npm run demo`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../examples/user-project.js';

const MAIN = join(REPO, 'src', 'cli', 'main.ts');
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const TOKEN = 'web-demo-console-token-0123';

describe('npm start (syncline web-demo)', () => {
  // The child's own temporary directory: what it leaves behind is checked there, away from other tests.
  const tmp = mkdtempSync(join(tmpdir(), 'syncline-web-demo-cli-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('prints the till, second till and console URLs, serves them, and stops cleanly on SIGINT', async () => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, 'web-demo', '--port', '0', '--console-token', TOKEN], { cwd: REPO, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => stdout, { timeout: 90_000, interval: 200, message: stderr }).toContain('Console:');
      const url = (label: string) => new RegExp(`${label}:\\s+(\\S+)`).exec(stdout)?.[1] ?? '';
      const [till, second, consoleUrl] = [url('Till'), url('Till 2'), url('Console')];
      expect(till).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(second).toBe(`${till}?till=2`);
      expect(consoleUrl).toBe(`${till}console?token=${TOKEN}`);
      expect(stdout).toContain('npm run demo');
      expect(readdirSync(tmp).filter((name) => name.startsWith('syncline-web-demo-'))).toHaveLength(1); // its server database

      const page = await fetch(till);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script type="module" src="/till.js">');
      const script = await fetch(`${till}till.js`);
      expect(script.headers.get('content-type')).toMatch(/javascript/);
      expect((await script.text()).length).toBeGreaterThan(10_000);
      const login = await fetch(consoleUrl, { redirect: 'manual' });
      expect(login.status).toBe(303); // the console accepts its token and sets the session cookie
      expect((await fetch(`${till}v1/health`)).status).toBe(200);
      expect((await fetch(`${till}v1/pull`, { method: 'POST', body: '{}' })).status).toBe(401); // sync endpoints still want the token
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stdout).toContain('Stopped.');
    expect(readdirSync(tmp).filter((name) => name.startsWith('syncline-web-demo-'))).toEqual([]);
  }, 120_000);

  it('npm start runs the web demo, npm run demo the terminal demo (with --json), as the README says', () => {
    const scripts = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['start']).toBe('tsx src/cli/main.ts web-demo');
    expect(scripts['demo']).toBe('tsx src/cli/main.ts demo');
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    expect(readme).toContain('npm run demo -- --json');
    expect(readme).toContain('![The web till');
  });
});
