/**
 * The conformance check every `Logger` must pass (the contract is in src/core/seams.ts): it never
 * throws, whatever the fields hold — circular objects, BigInt, errors with causes, symbols, getters
 * and `toJSON`s that throw, structures too deep to serialise. syncline logs from inside sync cycles
 * and request handlers, where a throwing logger would turn a log line into a failed sync.
 *
 * @example
 * runLoggerConformance('my logger', { open: () => { const lines: string[] = []; return { logger: myLogger(lines), output: () => lines }; } });
 */
import { describe, expect, it } from 'vitest';
import type { Logger } from '../core/seams.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LoggerHarness {
  logger: Logger;
  /** What the logger has written so far, one entry per line, when the harness can see it. */
  output?(): readonly string[];
  /** Levels that write a line (with `output`). Default all four. */
  writes?: readonly LogLevel[];
}

export interface LoggerFactory {
  open(): LoggerHarness;
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Fields that defeat a naive `JSON.stringify`, each built fresh for every call. */
export function unusualFields(): Array<[string, Record<string, unknown>]> {
  const circular: Record<string, unknown> = { name: 'loop' };
  circular['self'] = circular;
  const failed = new Error('outer', { cause: new Error('inner') });
  (failed as Error & { context?: unknown }).context = circular;
  let deep: Record<string, unknown> = {};
  for (let i = 0; i < 20_000; i += 1) deep = { deep };
  return [
    ['a circular object', { circular }],
    ['a BigInt', { count: 10n ** 30n }],
    ['an error with a cause and a circular property', { error: failed }],
    ['symbols as key and value', { [Symbol('key')]: 1, value: Symbol('value') }],
    ['functions, undefined, NaN and Infinity', { fn: () => 1, missing: undefined, nan: Number.NaN, inf: Infinity }],
    ['a getter that throws', Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new Error('getter'); } })],
    ['a toJSON that throws', { value: { toJSON: () => { throw new Error('toJSON'); } } }],
    ['a nesting too deep to serialise', { deep }],
    ['an object without a prototype, a Map, a Set, a Date and bytes', { bare: Object.create(null), map: new Map([[1, 2]]), set: new Set([1]), at: new Date(Number.NaN), bytes: new Uint8Array(3) }],
    ['a proxy whose every trap throws', new Proxy({}, throwingTraps())],
  ];
}

export function runLoggerConformance(name: string, factory: LoggerFactory): void {
  describe(`Logger conformance: ${name}`, () => {
    for (const [what, fields] of unusualFields()) {
      it(`never throws on ${what}, at any level`, () => {
        const harness = factory.open();
        for (const level of LEVELS) {
          const before = harness.output?.().length ?? 0;
          const message = `conformance ${level}: ${what}`;
          expect(() => harness.logger[level](message, fields)).not.toThrow();
          if (harness.output === undefined || !(harness.writes ?? LEVELS).includes(level)) continue;
          const written = harness.output().slice(before);
          expect(written, `${level} should write one line`).toHaveLength(1);
          expect(written[0], 'the message survives unserialisable fields').toContain(message);
        }
      });
    }

    it('never throws with no fields or an odd message', () => {
      const { logger } = factory.open();
      for (const level of LEVELS) {
        expect(() => logger[level]('')).not.toThrow();
        expect(() => logger[level]('line one\nline two "quoted" \u2028 \u{1F600}', undefined)).not.toThrow();
      }
    });
  });
}

function throwingTraps(): ProxyHandler<object> {
  const fail = (): never => {
    throw new Error('proxy trap');
  };
  return { get: fail, has: fail, ownKeys: fail, getOwnPropertyDescriptor: fail, getPrototypeOf: fail };
}
