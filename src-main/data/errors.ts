import * as path from 'node:path';
import { printableName } from './printable-name';

/**
 * The one error every reader in `data/` throws for bad input: it names the file (short name in
 * the message, full path in `file`) and says what is wrong with it, so a person can act on it
 * without a stack trace. `problem` is the message without the file name, for UIs that show the
 * file separately.
 */
export class DataError extends Error {
  readonly file: string;
  readonly problem: string;

  constructor(file: string, problem: string) {
    super(`${displayName(file)}: ${problem}`);
    this.name = 'DataError';
    this.file = file;
    this.problem = problem;
  }
}

/**
 * The last path component, which is what people recognise; npz members keep their `[member]`.
 * Escaped for printing: a file name may hold control characters or bytes that are not UTF-8.
 */
export function displayName(file: string): string {
  return printableName(path.basename(file) || file);
}

/** Whether `err` is a Node file-system error with the given code (ENOENT, EISDIR…). */
export function isFsError(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
