/**
 * The demo's fiscal part: starts the simulated fiscal service and gives the sync server what it
 * needs to talk to it — the `fiscal.register` effect (delivered with `httpEffect`, so every attempt
 * carries the effect id as `Idempotency-Key`; write-back `receipts.fiscalSubmitted`) and the
 * `fiscal` incoming-webhook source that turns a signed callback into `receipts.fiscalResult`.
 *
 * `broken` selects a deliberately wrong variant, to show the report catches it:
 * - 'no-dedup': the fiscal service ignores `Idempotency-Key`, so a retried registration is performed twice;
 * - 'ack-before-send': the effect handler reports success before the request is answered (and
 *   swallows its failure), so the server marks delivered what the fiscal service never received.
 */
import { randomBytes } from 'node:crypto';
import * as z from '../protocol/shape.js';
import { FISCAL_EFFECT, FISCAL_MUTATIONS, fiscalResultArgs } from '../domain/receipts/fiscal.js';
import type { JsonValue } from '../protocol/json.js';
import { httpEffect, type EffectDeliver, type SyncServer, type SyncServerOptions } from '../server.js';
import { FiscalService, type FiscalFaults } from './fiscal-service.js';

export const FISCAL_BREAKS = ['no-dedup', 'ack-before-send'] as const;
export type FiscalBreak = (typeof FISCAL_BREAKS)[number];
export const FISCAL_SOURCE = 'fiscal';

/**
 * Each registration attempt is aborted after this; the service's slow answers take longer. Not much
 * shorter: on a loaded machine (CI, two cores) a loopback request of the demo's process can take
 * over a second, and retries caused by the timeout alone add load and slow the run down (measured:
 * 1 s gave 388 requests for 102 documents and a 49 s run, 2 s gave 154 for 105 and 27 s).
 */
const EFFECT_TIMEOUT_MS = 2000;
const FISCAL_FAULTS: FiscalFaults = {
  dropBefore: 0.08,
  serverError: 0.08,
  dropAfter: 0.08,
  slow: 0.02,
  slowMs: EFFECT_TIMEOUT_MS + 300,
  refuse: 0.05,
  late: 0.15,
  lateMs: { min: 100, max: 600 },
  duplicateCallback: 0.2,
};

const callback = z.object({
  type: z.string(),
  data: z.object({ scope: z.string(), ...fiscalResultArgs.shape }),
});

export interface FiscalSetup {
  service: FiscalService;
  /** Merge into the sync server's options. */
  serverOptions: Required<Pick<SyncServerOptions, 'effects' | 'incomingWebhooks'>>;
  /** Tell the fiscal service where the sync server's incoming webhook is. */
  connect(syncUrl: string): void;
  /**
   * Wait until nothing is left to happen: no pending effect, no callback scheduled or in flight (and,
   * in the 'ack-before-send' variant, no request still on the wire). Returns false at the deadline.
   */
  settle(server: SyncServer, deadline: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function startFiscal(options: { seed: number; broken?: FiscalBreak | undefined; faults?: Partial<FiscalFaults> | undefined }): Promise<FiscalSetup> {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  let callbackUrl = '';
  const service = new FiscalService({
    seed: options.seed,
    faults: { ...FISCAL_FAULTS, ...options.faults },
    secret,
    callbackUrl: () => callbackUrl,
    deduplicate: options.broken !== 'no-dedup',
  });
  const url = await service.listen();
  const inFlight = new Set<Promise<unknown>>();
  const send = httpEffect({ url: `${url}/v1/registrations` });
  const deliver: EffectDeliver = options.broken === 'ack-before-send' ? ackBeforeSend(send, inFlight) : send;
  return {
    service,
    serverOptions: {
      effects: {
        handlers: { [FISCAL_EFFECT]: { deliver, writeBack: FISCAL_MUTATIONS.submitted } },
        timeoutMs: EFFECT_TIMEOUT_MS,
        backoffMs: 20,
        maxBackoffMs: 200,
        // Faults hit about a third of attempts: 30 in a row failing is not going to happen by chance.
        maxAttempts: 30,
        pollMs: 100,
      },
      incomingWebhooks: { sources: { [FISCAL_SOURCE]: { secret, handle: toWrite } } },
    },
    connect(syncUrl) {
      callbackUrl = `${syncUrl}/v1/webhooks/in/${FISCAL_SOURCE}`;
    },
    async settle(server, deadline) {
      while (Date.now() < deadline) {
        const pending = await server.effects.list({ status: 'pending', name: FISCAL_EFFECT, limit: 1 });
        if (pending.length === 0 && service.outstandingCallbacks === 0 && inFlight.size === 0) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      return false;
    },
    close: () => service.close(),
  };
}

/** The fiscal service's callback as a server-side write in the scope the registration came from. */
function toWrite(payload: JsonValue): { scope: string; mutation: string; args: JsonValue } {
  const { data } = callback.parse(payload);
  const { scope, ...args } = data;
  return { scope, mutation: FISCAL_MUTATIONS.result, args: JSON.parse(JSON.stringify(args)) as JsonValue };
}

/** Broken on purpose: resolves before the fiscal service answered and forgets a failure. */
function ackBeforeSend(send: EffectDeliver, inFlight: Set<Promise<unknown>>): EffectDeliver {
  return (effect, ctx) => {
    const request = send(effect, { ...ctx, signal: new AbortController().signal }).catch(() => undefined);
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
    return Promise.resolve(undefined);
  };
}
