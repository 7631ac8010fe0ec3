/**
 * How a CLI command fails: one clear line on stderr (`tokenscope <command>: <problem>`) and a
 * non-zero exit code, never a stack trace for the user's mistakes. `TOKENSCOPE_DEBUG=1` prints
 * the stack for ours.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

export function failureLine(command: string, err: unknown): string {
  const message = (err as Error)?.message ?? String(err);
  // Messages may span lines (a reader's detail): keep the first, which names the file and problem.
  const first = message.split('\n')[0]!;
  const prefix = `${command}: `;
  return `tokenscope ${command}: ${first.startsWith(prefix) ? first.slice(prefix.length) : first}`;
}

/** Wraps a command's action so that any error ends the process with one line and a non-zero code. */
export function action<A extends unknown[]>(command: string, fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      process.stderr.write(failureLine(command, err) + '\n');
      if (process.env.TOKENSCOPE_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
      process.exitCode = err instanceof UsageError ? EXIT_USAGE : EXIT_ERROR;
    }
  };
}
