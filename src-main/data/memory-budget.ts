import * as os from 'node:os';
import { DataError } from './errors';

/**
 * How much memory one input may make us allocate. Every reader works out, from a file's header
 * alone, the bytes the input implies (a declared shape, a zip member's declared size, a point
 * count) and refuses before inflating or allocating when that exceeds the budget: a 20 KB file
 * must not be able to ask for 5 GB.
 *
 * The budget is a setting: `setMemoryBudget` (the CLI's `--memory-budget`, the app's settings),
 * else the environment variable TOKENSCOPE_MEMORY_BUDGET, else a fraction of the machine's
 * memory. The setter writes the environment variable too, so that worker threads started
 * afterwards (training, encoding) inherit the same budget.
 */

export const MEMORY_BUDGET_ENV = 'TOKENSCOPE_MEMORY_BUDGET';

/** The default share of the machine's memory one input may take (the rest is the app, tfjs, caches). */
export const DEFAULT_BUDGET_FRACTION = 0.25;

/** Below this the app cannot hold even a small frame; a budget that low is a typo. */
export const MIN_MEMORY_BUDGET = 1024 * 1024;

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4 };

/** `"64MB"`, `"2 GiB"`, `"1.5g"`, `"67108864"` → bytes; a fraction like `"50%"` is of the machine's memory. */
export function parseMemorySize(text: string): number {
  const t = text.trim().toLowerCase();
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (pct) {
    const f = Number(pct[1]) / 100;
    if (!(f > 0 && f <= 1)) throw new RangeError(`memory budget ${JSON.stringify(text)}: a percentage must be in (0, 100]`);
    return Math.floor(os.totalmem() * f);
  }
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(t);
  const unit = m ? UNITS[m[2]!] : undefined;
  if (!m || unit === undefined) {
    throw new RangeError(`memory budget ${JSON.stringify(text)} is not a size (e.g. 512MB, 4GB, 25%)`);
  }
  const bytes = Math.floor(Number(m[1]) * unit);
  if (!(bytes >= MIN_MEMORY_BUDGET) || !Number.isSafeInteger(bytes)) {
    throw new RangeError(`memory budget ${JSON.stringify(text)} is below the minimum of ${formatBytes(MIN_MEMORY_BUDGET)}`);
  }
  return bytes;
}

/** Sets the budget for this process and the worker threads it starts from now on. */
export function setMemoryBudget(spec: string | number): number {
  const bytes = typeof spec === 'number' ? Math.floor(spec) : parseMemorySize(spec);
  if (!(bytes >= MIN_MEMORY_BUDGET) || !Number.isSafeInteger(bytes)) {
    throw new RangeError(`memory budget ${spec} is below the minimum of ${formatBytes(MIN_MEMORY_BUDGET)}`);
  }
  process.env[MEMORY_BUDGET_ENV] = String(bytes);
  return bytes;
}

/** The budget in bytes now. A malformed environment value falls back to the default, said once on stderr. */
export function memoryBudget(): number {
  const env = process.env[MEMORY_BUDGET_ENV];
  if (env !== undefined && env.trim() !== '') {
    try {
      return parseMemorySize(env);
    } catch (err) {
      if (!warned) process.stderr.write(`tokenscope: ignoring ${MEMORY_BUDGET_ENV}: ${(err as Error).message}\n`);
      warned = true;
    }
  }
  return Math.floor(os.totalmem() * DEFAULT_BUDGET_FRACTION);
}
let warned = false;

/**
 * Refuses an input whose implied allocation exceeds the budget. `what` says what the bytes are
 * for ("the array 200×200×512 float32"), so the message tells a person what the file asked for.
 */
export function checkMemory(file: string, bytes: number, what: string): void {
  const budget = memoryBudget();
  if (!(bytes <= budget)) {
    throw new DataError(
      file,
      `${what} would need ${formatBytes(bytes)}, over the memory budget of ${formatBytes(budget)} ` +
        `(raise it with --memory-budget or ${MEMORY_BUDGET_ENV} if the file is genuine)`,
    );
  }
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} bytes`;
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
