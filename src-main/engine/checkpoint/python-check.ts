import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Cross-checks against PyTorch run Debian's own interpreter: `/usr/bin/python3` is the one the
 * `python3-torch` / `python3-numpy` packages install into, and may not be the first python3 on
 * PATH. Used by tests only; they skip with `reason` when the modules are missing.
 */
export const DEBIAN_PYTHON = '/usr/bin/python3';

export interface PythonProbe {
  ok: boolean;
  reason: string;
}

const cache = new Map<string, PythonProbe>();

/** Whether Debian's python3 can import every module named (e.g. `['numpy', 'torch']`). */
export function probePython(modules: string[]): PythonProbe {
  const key = modules.join(',');
  const hit = cache.get(key);
  if (hit) return hit;
  let probe: PythonProbe;
  if (!existsSync(DEBIAN_PYTHON)) {
    probe = { ok: false, reason: `${DEBIAN_PYTHON} not found` };
  } else {
    const r = spawnSync(DEBIAN_PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8', timeout: 60_000 });
    probe =
      r.status === 0
        ? { ok: true, reason: '' }
        : { ok: false, reason: `${DEBIAN_PYTHON} cannot import ${modules.join(', ')}: ${(r.stderr || String(r.error)).trim().split('\n').pop()}` };
  }
  cache.set(key, probe);
  return probe;
}

/** Runs a script with arguments; throws with python's stderr when it fails. Returns stdout. */
export function runPython(script: string, args: string[] = [], env: Record<string, string> = {}): string {
  const r = spawnSync(DEBIAN_PYTHON, ['-c', script, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, OMP_NUM_THREADS: '1', ...env },
  });
  if (r.status !== 0) throw new Error(`python failed (status ${r.status}): ${r.stderr || String(r.error)}`);
  return r.stdout;
}
