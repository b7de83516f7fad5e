// The Logger conformance check over the two loggers syncline has: the silent default and the
// CLI server's JSON-lines logger (`syncline serve`).
import { lineLogger } from '../../src/cli/serve.js';
import { silentLogger } from '../../src/core/seams.js';
import { runLoggerConformance } from '../../src/testing.js';

runLoggerConformance('silentLogger', { open: () => ({ logger: silentLogger }) });

runLoggerConformance('lineLogger (syncline serve)', {
  open: () => {
    const lines: string[] = [];
    // debug (one line per request) is deliberately quiet in the CLI logger.
    return { logger: lineLogger({ log: (line) => lines.push(line) }), output: () => lines, writes: ['info', 'warn', 'error'] };
  },
});
