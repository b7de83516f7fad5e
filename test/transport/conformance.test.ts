// The Transport conformance suite over every transport syncline ships: HTTP over real sockets and
// in process, and each decorator wrapped around HTTP.
import { systemTimers } from '../../src/core/seams.js';
import type { RequestSample } from '../../src/network/link-metrics.js';
import { createCircuitBreaker } from '../../src/network/circuit-breaker.js';
import { createMeasuringTransport } from '../../src/network/measuring-transport.js';
import { createFaultTransport, runTransportConformance } from '../../src/testing.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';

runTransportConformance('http (real HTTP on 127.0.0.1)', {
  open: ({ url, token }) => createHttpTransport({ url, token }),
});

runTransportConformance('http (in-process fetch: server.fetch)', {
  open: ({ url, token, fetch }) => createHttpTransport({ url, token, fetch }),
});

runTransportConformance('fault transport with every fault at 0, over http', {
  open: ({ url, token }) =>
    createFaultTransport(createHttpTransport({ url, token }), { seed: 1, dropRequest: 0, serverError: 0, lostResponse: 0, duplicateDelivery: 0 }),
});

const samples: RequestSample[] = [];
runTransportConformance('measuring transport over http', {
  open: ({ url, token }) => createMeasuringTransport(createHttpTransport({ url, token }), { record: (sample) => samples.push(sample) }, systemTimers),
  cleanup: async () => {
    samples.length = 0;
  },
});

runTransportConformance('circuit breaker (closed) over http', {
  open: ({ url, token }) => createCircuitBreaker(createHttpTransport({ url, token })),
});
