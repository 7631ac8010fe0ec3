import { ArgumentError } from './errors';

/**
 * Checks for arguments that arrive from outside (a WebSocket, IPC): they are plain JSON values
 * of any shape, whatever the TypeScript signature says.
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

export function checkPath(method: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ArgumentError(method, `expected a file or folder path, got ${JSON.stringify(value)}`);
  }
  if (value.includes('\0')) throw new ArgumentError(method, 'the path contains a NUL byte');
  return value;
}

export function checkOptionalInt(method: string, name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ArgumentError(method, `${name} must be an integer in ${min}..${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function checkObject(method: string, value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ArgumentError(method, `expected an options object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}
