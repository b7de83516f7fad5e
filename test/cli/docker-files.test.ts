/**
 * The Dockerfile and compose.yaml, checked without Docker (this machine has no Docker daemon, so
 * neither is built here): every file the image copies exists and is not excluded from the build
 * context, the config the image runs with validates with the real config schema, and the ports, the
 * health check, the mounted config and the database URL compose hands in agree with each other.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../src/cli/serve.js';
import { REPO } from '../examples/user-project.js';

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

const dockerfile = instructions(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
const compose = parseYaml(readFileSync(join(REPO, 'compose.yaml'), 'utf8')) as {
  services: Record<string, { image?: string; build?: string; environment?: Record<string, string>; ports?: string[]; volumes?: string[]; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }> }>;
};
const ignored = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
const all = (op: string) => dockerfile.filter((i) => i.op === op);
const cmd = JSON.parse(all('CMD').at(-1)?.args ?? '[]') as string[];
const exposed = Number(all('EXPOSE').at(-1)?.args);

/** `${VAR:?message}` / `${VAR}` as compose interpolates them, from `env`; a missing required one throws. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(:\?[^}]*)?\}/g, (_, name: string) => {
    const found = env[name];
    if (found === undefined) throw new Error(`compose needs ${name}`);
    return found;
  });
}

describe('Dockerfile (linted, not built: no Docker daemon here)', () => {
  it('builds on node:20-slim in stages and runs as a non-root user', () => {
    const froms = all('FROM').map((i) => i.args);
    expect(froms.filter((f) => f.startsWith('node:20-slim')).length).toBeGreaterThanOrEqual(2);
    expect(froms.at(-1)).toBe('node:20-slim'); // the runtime stage carries no compiler
    const lastFrom = dockerfile.map((i) => i.op).lastIndexOf('FROM');
    const user = dockerfile.slice(lastFrom).filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(all('RUN').some((i) => /\bnpm ci\b/.test(i.args))).toBe(true);
    expect(all('RUN').some((i) => /\bnpm run build\b/.test(i.args))).toBe(true);
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const sources = all('COPY')
      .filter((i) => !i.args.includes('--from='))
      .flatMap((i) => i.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1));
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) {
      expect(existsSync(join(REPO, source)), source).toBe(true);
      expect(ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)), `${source} is in .dockerignore`).toBe(false);
    }
    for (const local of ['node_modules', 'dist', 'data']) expect(ignored).toContain(local);
  });

  it('checks health on the readiness endpoint of the port it exposes', () => {
    const check = all('HEALTHCHECK').at(-1)?.args ?? '';
    expect(check).toContain(`http://127.0.0.1:${exposed}/v1/health/ready`);
    expect(cmd.slice(-3)).toEqual(['serve', '--config', '/config/syncline.config.json']);
  });
});

describe('compose.yaml with the image config (linted, not run)', () => {
  const server = compose.services['server']!;
  const postgres = compose.services['postgres']!;
  const env = { POSTGRES_PASSWORD: 'pw', SYNCLINE_JWT_SECRET: 'jwt-secret' };

  it('runs PostgreSQL 15 with a health check the server waits for, secrets only from the environment', () => {
    expect(postgres.image).toBe('postgres:15');
    expect(postgres.healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(server.build).toBe('.');
    expect(server.depends_on?.['postgres']?.condition).toBe('service_healthy');
    for (const [name, value] of Object.entries({ ...postgres.environment, ...server.environment })) {
      if (/PASSWORD|SECRET/.test(name)) expect(value, name).toMatch(/^\$\{\w+:\?[^}]+\}$/);
    }
    expect(() => interpolate(server.environment!['SYNCLINE_JWT_SECRET']!, {})).toThrow(/SYNCLINE_JWT_SECRET/);
  });

  it('the server starts from the mounted config with compose\'s environment: PostgreSQL at the postgres service, JWT auth, the exposed port', async () => {
    const configPath = cmd.at(-1)!;
    const mount = server.volumes?.map((v) => v.split(':')).find(([, target]) => target === configPath);
    expect(mount, 'compose mounts the config the image runs with').toBeDefined();
    const copied = all('COPY').find((i) => i.args.endsWith(` ${configPath}`))?.args.split(/\s+/)[0];
    expect(copied).toBe(mount![0]!.replace(/^\.\//, '')); // the image's default is the same file
    const serverEnv = Object.fromEntries(Object.entries(server.environment ?? {}).map(([k, v]) => [k, interpolate(v, env)]));
    const config = await loadServeConfig(['--config', join(REPO, mount![0]!)], serverEnv);
    expect(config.port).toBe(exposed);
    expect(server.ports).toContain(`${exposed}:${exposed}`);
    expect(config.host).toBe('0.0.0.0'); // reachable from outside the container
    expect(config.auth).toEqual({ kind: 'jwt', secret: 'jwt-secret' });
    expect('postgres' in config.database).toBe(true);
    const url = new URL((config.database as { postgres: string }).postgres);
    expect(url.hostname).toBe('postgres');
    expect(url.pathname).toBe(`/${postgres.environment!['POSTGRES_DB']}`);
    expect(url.username).toBe(postgres.environment!['POSTGRES_USER']);
    expect(url.password).toBe(env.POSTGRES_PASSWORD);
  });
});
