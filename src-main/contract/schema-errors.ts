import type { z } from 'zod';

/**
 * zod's issues as one line that names the field, for every layer that checks something against
 * a contract schema (a front door's arguments, a checkpoint's or an export's config):
 * `config.quantizer.beta: expected number, received string`.
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

/** Checks one value named `what`; on failure returns the problem as text (the caller picks its error type). */
export function checkValue<S extends z.ZodType>(what: string, schema: S, value: unknown): { ok: true; value: z.output<S> } | { ok: false; problem: string } {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, problem: formatIssues([what], r.error.issues.map((i) => ({ ...i, path: [0, ...i.path] }))) };
}
