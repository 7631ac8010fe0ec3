/**
 * Starts `tokenscope serve` on a free port for the browser benchmarks and resolves with the URL it
 * prints (token included). The caller kills `proc` when done.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--enable-unsafe-swiftshader'];

export function startServer(serveArgs: string[]): Promise<{ url: string; proc: ChildProcess }> {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const proc = spawn(tsx, ['src-main/cli/main.ts', 'serve', '--port', '0', ...serveArgs], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`tokenscope serve printed no URL in 120 s:\n${err}`)), 120_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /TokenScope: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, proc });
      }
    });
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('exit', (code) => reject(new Error(`tokenscope serve exited (${code}):\n${err}`)));
  });
}
