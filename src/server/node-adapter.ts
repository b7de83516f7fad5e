/** Serve a SyncServer over Node's HTTP with @hono/node-server. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { SyncServer } from './types.js';
import { answerClientError } from './client-error.js';

export interface ServeNodeOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default loopback only. */
  host?: string;
}

export interface NodeServerHandle {
  url: string;
  port: number;
  /** Stop listening and end every open connection (keep-alive included), so the process can exit. */
  close(): Promise<void>;
}

export function serveNode(server: SyncServer, options: ServeNodeOptions = {}): Promise<NodeServerHandle> {
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    // overrideGlobalObjects: false — never replace the process-wide Request/Response of the host app.
    const http = serve({ fetch: (request) => server.fetch(request), port: options.port ?? 0, hostname: host, overrideGlobalObjects: false }, (info: AddressInfo) => {
      http.off('error', reject);
      const urlHost = host.includes(':') ? `[${host}]` : host;
      resolve({ url: `http://${urlHost}:${info.port}`, port: info.port, close: () => closeServer(http as Server) });
    });
    http.once('error', reject);
    // Replaces Node's default answer (a bare status line) with the JSON error body.
    http.on('clientError', answerClientError);
  });
}

function closeServer(http: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!http.listening) {
      resolve();
      return;
    }
    http.close((error) => (error === undefined ? resolve() : reject(error)));
    http.closeIdleConnections();
    http.closeAllConnections();
  });
}
