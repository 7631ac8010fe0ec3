import type { z } from 'zod';
import type { ServiceMethod } from '../contract/index';
import { PathSchema, SERVICE_ARGUMENT_NAMES, SERVICE_ARGUMENTS } from '../contract/schemas';
import { checkValue, formatIssues } from '../contract/schema-errors';
import { ArgumentError } from './errors';

/**
 * Checks what arrives from outside against the contract's schemas (contract/schemas.ts), with
 * one line that names the method and the field: `startTraining: config.quantizer.beta:
 * expected number, received string`.
 */

/** One value against its schema; `what` names it in the error (`config`, `options`). */
export function parseValue<S extends z.ZodType>(method: string, what: string, schema: S, value: unknown): z.output<S> {
  const r = checkValue(what, schema, value);
  if (!r.ok) throw new ArgumentError(method, r.problem);
  return r.value;
}

/**
 * A front door's argument list for `method`: absent optional arguments may arrive as null (JSON
 * has no undefined), too many is an error, each is checked against its schema.
 */
export function parseArguments(method: ServiceMethod, params: readonly unknown[]): unknown[] {
  const names = SERVICE_ARGUMENT_NAMES[method];
  if (params.length > names.length) {
    throw new ArgumentError(method, `too many arguments (${params.length}); it takes ${names.length ? names.join(', ') : 'none'}`);
  }
  const args = params.map((p) => (p === null ? undefined : p));
  while (args.length && args[args.length - 1] === undefined) args.pop();
  const r = (SERVICE_ARGUMENTS[method] as z.ZodType).safeParse(args, { reportInput: true });
  if (!r.success) throw new ArgumentError(method, formatIssues(names, r.error.issues));
  return r.data as unknown[];
}

/** A path from a client (PathSchema: text, no NUL byte), for the methods' own checks. */
export function checkPath(method: string, p: unknown): string {
  return parseValue(method, 'path', PathSchema, p);
}

/** An options object from a client (absent: empty); its fields are checked by the caller. */
export function checkObject(method: string, value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ArgumentError(method, `expected an options object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}
