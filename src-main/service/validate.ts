import { ArgumentError } from './errors';

/**
 * The checks that depend on the workspace's state (a frame index against the open sequence's
 * length, a level against the tokenizer's depth). What an argument is (its type, its bounds, no
 * unknown keys) is the contract's schemas' job (contract/schemas.ts, service/validate-arguments.ts).
 */
export function checkIndex(method: string, value: unknown, length: number, what = 'frame index'): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ArgumentError(method, `${what} must be an integer, got ${JSON.stringify(value)}`);
  }
  if (value < 0 || value >= length) {
    throw new ArgumentError(method, `${what} ${value} is out of range 0..${length - 1}`);
  }
  return value;
}

export function checkOptionalInt(method: string, name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ArgumentError(method, `${name} must be an integer in ${min}..${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}
