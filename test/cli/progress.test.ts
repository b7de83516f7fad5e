// The CLI's progress renderer with an injected clock: plain lines when the stream is not a terminal
// (one per 10% reached, or one per update with no total), and on a fake TTY (isTTY, columns) one
// redrawn line with bar, percent, rate and ETA, cut to the width, redrawn at most every 100 ms.
import { describe, expect, it } from 'vitest';
import { createProgress, type ProgressStream } from '../../src/cli/progress.js';

function stream(tty: boolean, columns?: number): ProgressStream & { chunks: string[] } {
  const chunks: string[] = [];
  return { chunks, write: (chunk: string) => chunks.push(chunk), isTTY: tty, ...(columns === undefined ? {} : { columns }) };
}

describe('progress renderer', () => {
  it('not a TTY: one plain line per 10% reached, with rate and ETA, however the updates fall', () => {
    const out = stream(false);
    let t = 0;
    const p = createProgress(out, { label: 'import', unit: 'lines', total: 1000, now: () => t });
    p.update(0);
    for (let done = 50; done <= 1000; done += 50) {
      t += 1000;
      p.update(done);
    }
    p.finish('done: 1000 lines');
    expect(out.chunks.every((c) => c.endsWith('\n') && !c.includes('\r') && !c.includes('\x1b'))).toBe(true);
    expect(out.chunks).toHaveLength(11);
    expect(out.chunks[0]).toBe('import: 10% 100/1000 lines 50.0 lines/s ETA 18.0 s\n');
    expect(out.chunks[9]).toBe('import: 100% 1000/1000 lines 50.0 lines/s ETA 0 ms\n');
    expect(out.chunks[10]).toBe('done: 1000 lines\n');
  });

  it('not a TTY: a jump over several steps prints one line; without a total, one line per update', () => {
    const out = stream(false);
    const p = createProgress(out, { label: 'pull', total: 100, now: () => 0 });
    p.update(5);
    p.update(47);
    p.update(49);
    expect(out.chunks).toEqual(['pull: 47% 47/100 items\n']);
    const open = stream(false);
    let t = 0;
    const q = createProgress(open, { label: 'drain', unit: 'mutations', now: () => t });
    q.update(0);
    t = 2000;
    q.update(10);
    expect(open.chunks).toEqual(['drain: 0 mutations\n', 'drain: 10 mutations 5.0 mutations/s\n']);
  });

  it('a TTY: one line redrawn in place, bar + percent + rate + ETA, cut to the columns, throttled by the clock', () => {
    const out = stream(true, 200);
    let t = 0;
    const p = createProgress(out, { label: 'import', unit: 'lines', total: 400, now: () => t });
    p.update(0);
    t = 50;
    p.update(10); // within 100 ms of the last draw: not drawn
    t = 2000;
    p.update(100);
    expect(out.chunks).toEqual([
      '\r\x1b[Kimport: [------------------------] 0% 0/400 lines',
      '\r\x1b[Kimport: [######------------------] 25% 100/400 lines 50.0 lines/s ETA 6.0 s',
    ]);
    p.log('skipped line 7: not JSON');
    expect(out.chunks.slice(2)).toEqual(['\r\x1b[K', 'skipped line 7: not JSON\n', out.chunks[1]]);
    t = 2010;
    p.update(400); // the last update always draws
    p.finish();
    expect(out.chunks.at(-2)).toContain('100% 400/400');
    expect(out.chunks.at(-1)).toBe('\n');

    const narrow = stream(true, 30);
    createProgress(narrow, { label: 'import', unit: 'lines', total: 400, now: () => 0 }).update(1);
    expect(narrow.chunks[0]).toBe('\r\x1b[Kimport: [-------------------…');
    expect((narrow.chunks[0] ?? '').length - '\r\x1b[K'.length).toBeLessThan(30);
  });
});
