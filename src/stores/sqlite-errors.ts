/** SQLite failures translated into the error taxonomy, each saying what to do about it. */
import { SynclineError, StoredDataError, isSynclineError } from '../core/errors.js';

function sqliteCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** True for "another connection holds the lock" (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED...). */
function isBusy(error: unknown): boolean {
  const code = sqliteCode(error);
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/** The write lock stayed taken for longer than the busy timeout. */
function busyError(path: string, busyTimeoutMs: number, cause: unknown): SynclineError {
  return new SynclineError(
    'unavailable',
    `The SQLite store at ${path} stayed locked by another connection or process for more than ` +
      `${busyTimeoutMs} ms, so the transaction did not run. Retry it later, or raise busyTimeoutMs.`,
    { cause, retryable: true },
  );
}

/** Any error thrown while talking to SQLite, as a SynclineError (ours pass through unchanged). */
export function sqliteFailure(path: string, busyTimeoutMs: number, error: unknown): SynclineError {
  if (isSynclineError(error)) return error;
  if (isBusy(error)) return busyError(path, busyTimeoutMs, error);
  const code = sqliteCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StoredDataError(
      `The file at ${path} is not a usable SQLite database (${message}). Move it away and let syncline create a new one.`,
      { cause: error },
    );
  }
  return new SynclineError('internal', `The SQLite store at ${path} failed: ${message}`, {
    cause: error,
    retryable: code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR'),
  });
}
