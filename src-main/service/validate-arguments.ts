import type { z } from 'zod';
import type { ServiceMethod } from '../contract/index';
import { SERVICE_ARGUMENT_NAMES, SERVICE_ARGUMENTS } from '../contract/schemas';
import { ArgumentError } from './errors';

/**
 * Checks what arrives from outside against the contract's schemas (contract/schemas.ts) and
 * turns zod's issues into one line that names the method and the field: `startTraining:
 * config.quantizer.beta: expected number, received string`.
 */
const MAX_ISSUES = 3;

type Issue = z.core.$ZodIssue;

function describePath(names: readonly string[], path: readonly PropertyKey[]): string {
  const [head, ...rest] = path;
  let out = typeof head === 'number' && names[head] !== undefined ? names[head]! : head === undefined ? '' : String(head);
  for (const p of rest) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

/** zod's message, lower-cased, without its "Invalid input: " prefix, with the value when it is short. */
function describeIssue(issue: Issue): string {
  const m = issue.message.replace(/^Invalid input: /, '');
  const input = (issue as { input?: unknown }).input;
  const shown = input === undefined || (typeof input === 'object' && input !== null) ? '' : JSON.stringify(input);
  const got = shown && shown.length <= 60 && !m.includes('received') ? `, got ${shown}` : '';
  return m.charAt(0).toLowerCase() + m.slice(1) + got;
}

/** `names[i]` names argument i; issue paths start with the argument's position. */
export function formatIssues(names: readonly string[], issues: readonly Issue[]): string {
  const lines = issues.slice(0, MAX_ISSUES).map((issue) => {
    if (issue.path.length === 0 && issue.code === 'too_small') return `missing arguments: it takes ${names.join(', ')}`;
    const where = describePath(names, issue.path);
    return where ? `${where}: ${describeIssue(issue)}` : describeIssue(issue);
  });
  return lines.join('; ') + (issues.length > MAX_ISSUES ? ` (and ${issues.length - MAX_ISSUES} more)` : '');
}

/** One value against its schema; `what` names it in the error (`config`, `options`). */
export function parseValue<S extends z.ZodType>(method: string, what: string, schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value, { reportInput: true });
  if (!r.success) throw new ArgumentError(method, formatIssues([what], r.error.issues.map((i) => ({ ...i, path: [0, ...i.path] }))));
  return r.data;
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
