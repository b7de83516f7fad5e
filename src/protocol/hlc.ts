/**
 * Hybrid logical clock (Kulkarni et al., 2014): timestamps that stay close to wall time but never go
 * backwards and always move past every timestamp a node has seen. If event e happened before f (f's
 * node had seen e's stamp), stamp(e) < stamp(f) — whatever the nodes' wall clocks say. Concurrent
 * events are ordered by wall time, then counter, then node id: a deterministic total order, which is
 * what last-writer-wins needs.
 *
 * Wire form: `"<wall ms, 15 digits>.<counter, 5 digits>.<node>"`, so comparing two stamps as strings
 * compares them as clocks. Platform-neutral (no Node built-ins).
 */
import * as z from './shape.js';

const WALL_DIGITS = 15;
const COUNTER_DIGITS = 5;
const MAX_COUNTER = 10 ** COUNTER_DIGITS - 1;
const MAX_WALL = 10 ** WALL_DIGITS - 1;

const HLC_PATTERN = /^\d{15}\.\d{5}\.[A-Za-z0-9_-]{1,64}$/;
export const hlcString = z.refine(z.string(), (stamp) => HLC_PATTERN.test(stamp), 'an HLC stamp is "<15-digit ms>.<5-digit counter>.<node id>"');

export interface HlcTimestamp {
  /** Logical wall time in ms: the highest physical time seen. */
  wall: number;
  /** Orders events sharing `wall`. */
  counter: number;
  /** The node (client id, or the server) that made the stamp; breaks exact ties. */
  node: string;
}

export function formatHlc(t: HlcTimestamp): string {
  return `${String(t.wall).padStart(WALL_DIGITS, '0')}.${String(t.counter).padStart(COUNTER_DIGITS, '0')}.${t.node}`;
}

export function parseHlc(stamp: string): HlcTimestamp {
  const parsed = hlcString.safeParse(stamp);
  if (!parsed.success) throw new RangeError(`Invalid HLC stamp ${JSON.stringify(stamp)}: ${parsed.error.issues[0]?.message ?? 'bad format'}.`);
  const [wall, counter, ...node] = stamp.split('.');
  return { wall: Number(wall), counter: Number(counter), node: node.join('.') };
}

/** Negative, zero or positive like a comparator; the fixed-width form makes this a string compare. */
export function compareHlc(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The later of two stamps (undefined counts as earliest). */
export function maxHlc(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareHlc(a, b) >= 0 ? a : b;
}

/**
 * Local event or send: move to max(last, physical); bump the counter when the wall part did not move.
 * Pure: the caller persists the result (the client keeps it in its store so tabs share one clock).
 */
export function tickHlc(last: HlcTimestamp | undefined, physicalMs: number, node: string): HlcTimestamp {
  const physical = clampWall(physicalMs);
  if (last === undefined || physical > last.wall) return { wall: physical, counter: 0, node };
  return bump(last.wall, last.counter, node);
}

/** Receive: move past both our last stamp and the remote one (and the physical clock). */
export function receiveHlc(last: HlcTimestamp | undefined, remote: HlcTimestamp, physicalMs: number, node: string): HlcTimestamp {
  const physical = clampWall(physicalMs);
  const lastWall = last?.wall ?? -1;
  const wall = Math.max(lastWall, remote.wall, physical);
  if (wall === physical && wall > lastWall && wall > remote.wall) return { wall, counter: 0, node };
  const counter = Math.max(wall === lastWall ? (last?.counter ?? 0) : -1, wall === remote.wall ? remote.counter : -1);
  return bump(wall, counter, node);
}

/** An in-memory clock for one node (the server keeps one per instance). */
export class HybridLogicalClock {
  readonly node: string;
  readonly #physical: () => number;
  #last: HlcTimestamp | undefined;

  /** `physical` returns wall-clock ms; it may jump or be skewed — the clock stays monotonic anyway. */
  constructor(node: string, physical: () => number = Date.now) {
    this.node = node;
    this.#physical = physical;
  }

  now(): string {
    this.#last = tickHlc(this.#last, this.#physical(), this.node);
    return formatHlc(this.#last);
  }

  receive(remote: string): string {
    this.#last = receiveHlc(this.#last, parseHlc(remote), this.#physical(), this.node);
    return formatHlc(this.#last);
  }
}

function bump(wall: number, counter: number, node: string): HlcTimestamp {
  // Counter overflow (100k events in one ms) borrows the next millisecond instead of wrapping.
  return counter + 1 > MAX_COUNTER ? { wall: wall + 1, counter: 0, node } : { wall, counter: counter + 1, node };
}

function clampWall(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) return 0;
  return Math.min(Math.floor(ms), MAX_WALL);
}
