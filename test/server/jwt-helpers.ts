/** JWT test helpers: a served sync server on loopback, token minting, and a tiny JWKS server whose keys can rotate. */
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { createSyncServer, serveNode, type NodeServerHandle, type ServeNodeOptions, type SyncServer, type SyncServerOptions } from '../../src/server.js';
import { tempDir } from './helpers.js';

export const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long!';
export const ISSUER = 'https://auth.test/';
export const AUDIENCE = 'syncline-test';

export interface Served {
  server: SyncServer;
  http: NodeServerHandle;
  close(): Promise<void>;
}

export async function serve(options: Partial<SyncServerOptions> & Pick<SyncServerOptions, 'auth'>, nodeOptions: ServeNodeOptions = {}): Promise<Served> {
  const dir = tempDir();
  const server = createSyncServer({ database: { sqlite: join(dir, 'server.db') }, ...options });
  const http = await serveNode(server, nodeOptions).catch(async (error: unknown) => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    server,
    http,
    close: async () => {
      await http.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An HS256 token; `expiresInSec` negative for one already expired. */
export function hsToken(claims: JWTPayload, o: { secret?: string; issuer?: string; audience?: string; expiresInSec?: number } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(o.issuer ?? ISSUER)
    .setAudience(o.audience ?? AUDIENCE)
    .setIssuedAt(now - 3600)
    .setExpirationTime(now + (o.expiresInSec ?? 600))
    .sign(new TextEncoder().encode(o.secret ?? SECRET));
}

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
  sign(claims: JWTPayload, o?: { issuer?: string; audience?: string }): Promise<string>;
}

export async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return {
    kid,
    privateKey,
    jwk,
    sign: (claims, o = {}) => new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(o.issuer ?? ISSUER)
      .setAudience(o.audience ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey),
  };
}

/** A JWKS endpoint on loopback serving `keys` (replace them to rotate); counts the fetches. */
export interface JwksServer {
  url: string;
  keys: JWK[];
  fetches: number;
  close(): Promise<void>;
}

export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  const state: JwksServer = { url: '', keys, fetches: 0, close: async () => {} };
  const http: Server = createServer((_request, response) => {
    state.fetches += 1;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/.well-known/jwks.json`;
  state.close = () => new Promise((resolve) => {
    http.closeAllConnections();
    http.close(() => resolve());
  });
  return state;
}

/** POST /v1/pull with `token`: status and error body. */
export async function pullWith(url: string, token: string, headers: Record<string, string> = {}): Promise<{ status: number; body: { error?: { code: string; message: string; retryable: boolean } }; headers: Headers }> {
  const response = await fetch(`${url}/v1/pull`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ v: 1, clientId: 'client-jwt-0001', cursor: 0, limit: 10 }),
  });
  return { status: response.status, body: (await response.json()) as never, headers: response.headers };
}
