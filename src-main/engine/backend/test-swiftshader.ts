/**
 * Test-only: points the Vulkan loader at SwiftShader (a CPU implementation of Vulkan) so the
 * webgpu backend can be tested on a machine without a GPU. Debian's chromium package ships it
 * (`vk_swiftshader_icd.json` beside `libvk_swiftshader.so`, and its own `libvulkan.so.1`
 * loader). Where no Vulkan loader is installed system-wide, chromium's copy is loaded into this
 * process first (by soname, dlopen then finds it for Dawn), and child processes get it through
 * LD_LIBRARY_PATH. The product never looks for SwiftShader: only tests import this file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SwiftShader {
  /** Present and set up in this process. */
  ok: boolean;
  /** Why not, for the skip message. */
  reason: string;
  /** Environment for a child process (the CLI) that should see the same Vulkan driver. */
  env: Record<string, string>;
}

const KNOWN_DIRS = ['/usr/lib/chromium', '/usr/lib64/chromium', '/usr/lib/chromium-browser', '/snap/chromium/current/usr/lib/chromium-browser'];
const ICD = 'vk_swiftshader_icd.json';
// glibc's RTLD_NODELETE (Node's os.constants.dlopen lacks it): keeps a library that is not a
// Node addon loaded after process.dlopen reports "did not self-register".
const RTLD_NODELETE = 0x1000;

function chromiumDirs(): string[] {
  const dirs = [...KNOWN_DIRS];
  for (const bin of ['chromium', 'chromium-browser']) {
    try {
      const found = execFileSync('which', [bin], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      if (found) dirs.push(path.dirname(realpathSync(found)));
    } catch {
      // not on PATH
    }
  }
  return dirs;
}

/** Loads a shared library into this process for good; returns null on success, else the error. */
function preload(file: string): string | null {
  const c = os.constants.dlopen;
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, file, c.RTLD_NOW | c.RTLD_GLOBAL | RTLD_NODELETE);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    // Loaded fine, it is just not a Node addon.
    if (/did not self-register/.test(msg)) return null;
    return msg;
  }
  return null;
}

let cached: SwiftShader | null = null;

export function setupSwiftShader(): SwiftShader {
  if (cached) return cached;
  if (process.platform !== 'linux') return (cached = { ok: false, reason: 'SwiftShader via chromium is set up on Linux only', env: {} });
  const dir = chromiumDirs().find((d) => existsSync(path.join(d, ICD)) && existsSync(path.join(d, 'libvk_swiftshader.so')));
  if (!dir) return (cached = { ok: false, reason: `no ${ICD} (install Debian's chromium: scripts/install-system-deps.sh)`, env: {} });
  const icd = path.join(dir, ICD);
  const env: Record<string, string> = { VK_ICD_FILENAMES: icd, VK_DRIVER_FILES: icd };
  if (preload('libvulkan.so.1') !== null) {
    const local = path.join(dir, 'libvulkan.so.1');
    const err = existsSync(local) ? preload(local) : 'absent';
    if (err !== null) return (cached = { ok: false, reason: `no Vulkan loader (libvulkan.so.1: ${err})`, env: {} });
    env.LD_LIBRARY_PATH = [dir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(path.delimiter);
    // Too late for this process's dynamic linker (the loader is preloaded instead), but it tells
    // the product's loader check where the loader is.
    process.env.LD_LIBRARY_PATH = env.LD_LIBRARY_PATH;
  }
  // The loader reads these when Dawn first creates a Vulkan instance, after this.
  process.env.VK_ICD_FILENAMES = icd;
  process.env.VK_DRIVER_FILES = icd;
  return (cached = { ok: true, reason: '', env });
}
