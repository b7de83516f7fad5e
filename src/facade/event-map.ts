/**
 * `SyncEventTypeMap`: the seed's name for "event type → what a listener receives", derived from the
 * `SyncEvent` union so it can never drift from what the client emits. Useful for typing an app's own
 * event plumbing (e.g. forwarding client events to a UI store).
 *
 * @example
 * function forward<K extends keyof SyncEventTypeMap>(type: K, send: (e: SyncEventTypeMap[K]) => void) {
 *   return client.on(type, send);
 * }
 */
import type { SyncEventOf, SyncEventType } from '../core/events.js';

export type SyncEventTypeMap = { [K in SyncEventType]: SyncEventOf<K> };
