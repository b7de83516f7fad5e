// Property: the per-scope version gauge's source keeps at most `max` scopes — the ones most recently
// moved forward — each at the highest version reported for it, whatever order pokes arrive in.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScopeVersions } from '../../src/server/metrics/scope-versions.js';
import { parseExposition } from './metrics-scrape.js';

type Change = [string, number];

describe('ScopeVersions', () => {
  it('keeps the max most recently reported scopes, never below their last report nor above their highest', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.integer({ min: 0, max: 20 })), { maxLength: 60 }), (max, changes: Change[]) => {
        const versions = new ScopeVersions(max);
        for (const [scope, version] of changes) versions.set(scope, version);
        const kept = new Map(versions.entries());
        // The most recently reported distinct scopes, oldest first, at most max of them.
        const recent = [...new Set(changes.map(([scope]) => scope).reverse())].slice(0, max).reverse();
        expect([...kept.keys()]).toEqual(recent);
        for (const [scope, version] of kept) {
          const reports = changes.filter(([s]) => s === scope).map(([, v]) => v);
          expect(version).toBeLessThanOrEqual(Math.max(...reports));
          expect(version).toBeGreaterThanOrEqual(reports.at(-1) ?? Infinity);
        }
        // With room for every scope nothing is forgotten: each shows the highest version reported.
        if (new Set(changes.map(([scope]) => scope)).size <= max) {
          for (const [scope, version] of kept) expect(version).toBe(Math.max(...changes.filter(([s]) => s === scope).map(([, v]) => v)));
        }
      }),
    );
  });
});

describe('the text-format check used by the metrics tests', () => {
  const ok = '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} 3\n';
  it('reads a well-formed exposition', () => {
    expect(parseExposition(ok).value('a_total', { x: '1' })).toBe(3);
  });
  it.each([
    ['a broken label set', '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1" 3\n'],
    ['a sample without TYPE', 'a_total 3\n'],
    ['a non-numeric value', '# HELP a_total A.\n# TYPE a_total counter\na_total NaNish\n'],
    ['a stray token read as a timestamp', '# HELP a_total A.\n# TYPE a_total counter\na_total 1 2 3\n'],
    ['a labelled histogram the parser would fold', '# HELP h H.\n# TYPE h histogram\nh_bucket{le="+Inf",route="push"} 1\nh_sum{route="push"} 1\nh_count{route="push"} 1\n'],
    ['a histogram whose +Inf bucket is not its count', '# HELP h H.\n# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n'],
  ])('refuses %s', (_what, text) => {
    expect(() => parseExposition(text)).toThrow();
  });
});
