import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI's entry, as a user runs it. */
export const TOKENSCOPE_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tokenscope.mjs');

/**
 * Runs `tokenscope ARGS` in `cwd` and collects its exit code and output. The inherited
 * environment does not pick a backend or an encode engine for the run (`env` may).
 */
export function runTokenscope(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete base.TOKENSCOPE_BACKEND;
    delete base.TOKENSCOPE_ENCODE_ENGINE;
    execFile(process.execPath, [TOKENSCOPE_BIN, ...args], { cwd, timeout: 300_000, env: { ...base, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, stdout, stderr }),
    );
  });
}
