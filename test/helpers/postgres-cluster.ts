/**
 * Start and stop a throwaway PostgreSQL cluster (no test-runner imports, so the bench uses it too):
 * initdb + pg_ctl as the `postgres` user (initdb refuses root) into a temp dir, on a random free
 * port, listening on 127.0.0.1 only.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where initdb and pg_ctl live (pg_config, else Debian's /usr/lib/postgresql/N/bin), or undefined. */
export function findPostgresBindir(): string | undefined {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    // No pg_config: look in the usual Debian location below.
  }
  for (const version of ['17', '16', '15', '14', '13']) candidates.push(`/usr/lib/postgresql/${version}/bin`);
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

/**
 * initdb + pg_ctl start as the postgres user (initdb refuses root), loopback only, fsync off; on a
 * random free port unless `port` is given (to start a database where a server already points).
 */
export async function startLocalCluster(bindir: string, settings: Record<string, string> = {}, port?: number): Promise<{ url: string; stop(): Promise<void>; pgCtl(args: string[]): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'syncline-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, Number(idOf('-u')), Number(idOf('-g')));
  const data = join(dir, 'data');
  const command = (bin: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(bindir, bin), ...args]] : [join(bindir, bin), args];
  const exec = (bin: string, args: string[]) => run(...command(bin, args));
  await exec('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  port ??= await freePort();
  const options = { listen_addresses: '127.0.0.1', fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', ...settings };
  const postgresArgs = [`-p ${port}`, `-k ${dir}`, ...Object.entries(options).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
  await exec('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', postgresArgs, '-w', 'start']);
  // If the test process dies without afterAll, do not leave a postgres running.
  const stopNow = (): void => {
    try {
      execFileSync(...command('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']), { stdio: 'ignore' });
    } catch {
      // Already stopped.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopNow);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    /** Run pg_ctl on this cluster's data directory (e.g. ['restart', '-m', 'immediate'], ['start']), waiting for it. */
    async pgCtl(args: string[]) {
      const start = args[0] === 'start' || args[0] === 'restart' ? ['-l', join(dir, 'server.log'), '-o', postgresArgs] : [];
      await exec('pg_ctl', ['-D', data, '-w', ...start, ...args]);
    },
    async stop() {
      process.removeListener('exit', stopNow);
      await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function idOf(flag: '-u' | '-g'): string {
  return execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim();
}

/** A TCP port nothing listens on right now (on 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
