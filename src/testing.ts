export { runStoreConformance } from './testing/store-conformance.js';
export type { StoreFactory } from './testing/store-conformance.js';
export { createFaultTransport } from './testing/fault-transport.js';
export type { FaultTransport, FaultOptions, FaultRates, FaultCounts } from './testing/fault-transport.js';
export { createPrng } from './testing/prng.js';
export type { Prng } from './testing/prng.js';
