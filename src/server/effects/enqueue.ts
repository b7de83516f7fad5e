/** `ctx.enqueue`: an effect inserted in the mutation's own transaction, so it exists iff the mutation commits. */
import type { Kysely } from 'kysely';
import { InvalidArgumentError } from '../../core/errors.js';
import type { JsonValue } from '../../protocol/json.js';
import type { ServerDatabase } from '../schema.js';
import { insertEffect } from './storage.js';
import type { EnqueueOptions } from './types.js';

const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

export async function enqueueEffect(trx: Kysely<ServerDatabase>, scope: string, name: string, payload: JsonValue, options?: EnqueueOptions): Promise<string> {
  if (!NAME.test(name)) throw new InvalidArgumentError(`Effect name ${JSON.stringify(name)} is not valid: use 1–128 of A–Z a–z 0–9 _ . : -.`);
  const key = options?.key ?? scope;
  if (key === '' || key.length > 512) throw new InvalidArgumentError('An effect key must be 1–512 characters.');
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (error) {
    throw new InvalidArgumentError(`The payload of effect "${name}" is not JSON-serialisable.`, { cause: error });
  }
  if (text === undefined) throw new InvalidArgumentError(`The payload of effect "${name}" is not JSON (got ${typeof payload}).`);
  return insertEffect(trx, { name, key, scope, payload, now: Date.now() });
}
