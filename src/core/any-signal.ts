/** Combining abort signals, for runtimes with and without `AbortSignal.any`. */

/** One signal that aborts when any of `signals` does. */
export function anySignal(signals: AbortSignal[]): AbortSignal {
  // AbortSignal.any (Node 20.3+, current browsers) drops its listeners with the signal; the fallback
  // is for older React Native runtimes.
  const native = (AbortSignal as { any?: (s: AbortSignal[]) => AbortSignal }).any;
  // Called on its class: some implementations (happy-dom) need `this`.
  if (native !== undefined) return native.call(AbortSignal, signals);
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    s.addEventListener('abort', () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}

