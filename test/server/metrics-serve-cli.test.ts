// `syncline serve --metrics-token`: GET /metrics refused without the token, served with it, and the
// sync traffic shows in it; without the flag there is no /metrics. Real HTTP on loopback.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServeArgs, runServe } from '../../src/cli/serve.js';
import { tempDir } from './helpers.js';
import { parseExposition } from './metrics-scrape.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Run `syncline serve` with `args` on a fresh SQLite file; `body` gets its URL; stopped afterwards. */
async function serving(args: string[], body: (url: string, lines: string[]) => Promise<void>): Promise<void> {
  const dir = tempDir();
  dirs.push(dir);
  const lines: string[] = [];
  const controller = new AbortController();
  let announce: (url: string) => void = () => {};
  const listening = new Promise<string>((resolve) => (announce = resolve));
  const out = {
    log(line: string) {
      lines.push(line);
      const url = /listening on (\S+)/.exec(line)?.[1];
      if (url !== undefined) announce(url);
    },
  };
  const running = runServe(['--port', '0', '--db', join(dir, 'db.sqlite'), '--token', 'secret=shop', ...args], out, controller.signal);
  try {
    await body(await Promise.race([listening, running.then(() => '')]), lines);
  } finally {
    controller.abort();
    await running;
  }
}

describe('syncline serve --metrics-token', () => {
  it('parses the flag', () => {
    expect(parseServeArgs(['--insecure-demo', '--metrics-token', 'm-1']).metricsToken).toBe('m-1');
    expect(parseServeArgs(['--insecure-demo']).metricsToken).toBeUndefined();
  });

  it('serves GET /metrics to the metrics token only, with the sync traffic in it', async () => {
    await serving(['--metrics-token', 'scrape-me'], async (url, lines) => {
      expect(lines.find((line) => line.includes('listening on'))).toContain(`metrics: ${url}/metrics`);
      const pull = await fetch(`${url}/v1/pull`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer secret' },
        body: JSON.stringify({ v: 1, clientId: 'client-cli-0001', cursor: 0, limit: 10 }),
      });
      expect(pull.status).toBe(200);
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer secret' } })).status).toBe(401);
      const metrics = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer scrape-me' } });
      expect(metrics.status).toBe(200);
      const scrape = parseExposition(await metrics.text());
      expect(scrape.value('syncline_http_requests_total', { route: 'pull', status: '200' })).toBe(1);
      expect(scrape.value('syncline_http_requests_total', { route: 'metrics', status: '401' })).toBe(2);
      expect((await fetch(`${url}/v1/health/ready`)).status).toBe(200);
    });
  });

  it('has no /metrics without the flag', async () => {
    await serving([], async (url) => {
      expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer secret' } })).status).toBe(404);
    });
  });

  it('refuses a metrics token that cannot be a bearer token', async () => {
    await expect(serving(['--metrics-token', 'two words'], async () => {})).rejects.toThrow(/metrics token/);
  });
});
