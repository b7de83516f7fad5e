import { SynclineError } from '../../core/errors.js';

/**
 * A store was written by a newer syncline (its store format is above the one this version
 * supports). Opening refuses it before touching it: an older syncline could not read the newer
 * layout, and writing the old one into it would lose data.
 */
export class StoreFormatTooNewError extends SynclineError {
  override name = 'StoreFormatTooNewError' as const;
  constructor(kind: string, where: string, found: number, supported: number) {
    super(
      'stored-data-invalid',
      `The ${kind} store ${where} has store format ${found}, but this syncline supports store formats up to ` +
        `${supported}: a newer syncline wrote it, and it was left untouched. Upgrade this app to open it, or ` +
        'delete it to start over from the server (losing the mutations still pending in it).',
      { details: { store: where, foundFormat: found, supportedFormat: supported } },
    );
  }
}
