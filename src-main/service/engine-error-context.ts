import * as path from 'node:path';
import { DataError } from '../data/errors';
import { CheckpointError } from '../engine/checkpoint/checkpoint';
import { ArgumentError, ServiceStateError } from './errors';

/**
 * Engine failures on shapes that came from files ("memory access out of bounds" from wasm, a
 * tfjs shape assertion) say nothing about which files: this names them. Errors that already
 * name their file (DataError, CheckpointError) pass through unchanged.
 */
export function engineErrorIn(dataFile: string, checkpoint: string | null | undefined, err: unknown): Error {
  if (err instanceof DataError || err instanceof CheckpointError || err instanceof ServiceStateError || err instanceof ArgumentError) return err;
  const message = (err as Error)?.message ?? String(err);
  const data = path.basename(dataFile);
  if (message.includes(data)) return err as Error;
  const model = checkpoint ? ` with ${path.basename(checkpoint)}` : '';
  const wasm = /memory access out of bounds|out of memory|Invalid typed array length|Array buffer allocation failed/i.test(message);
  return new Error(`${data}: encoding failed${model}: ${message}${wasm ? ' (the shapes these files imply are more than the engine can hold)' : ''}`);
}
