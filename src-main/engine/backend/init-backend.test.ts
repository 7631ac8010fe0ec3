import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { initBackend, activeBackend } from './init-backend';

const require = createRequire(import.meta.url);
const has = (pkg: string) => {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
};

describe('initBackend', () => {
  it('skips native backends where they may not load, and says why', async () => {
    const s = await initBackend({ prefer: ['tensorflow-gpu', 'tensorflow', 'wasm'], allowNative: false });
    expect(s.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(s.reason).toMatch(/tensorflow-gpu: native addons are not loaded on this thread/);
    expect(s.reason).toMatch(/SIMD on/);
    expect(activeBackend()).toEqual(s);
  });

  it.skipIf(has('@tensorflow/tfjs-node'))('falls back when tfjs-node is not installed (here it is not)', async () => {
    const s = await initBackend({ prefer: ['tensorflow', 'wasm'], allowNative: true });
    expect(s.name).toBe('wasm');
    expect(s.reason).toMatch(/tensorflow: @tensorflow\/tfjs-node is not installed/);
    // The status bar shows this: the package and the error's first line, no path of this machine.
    expect(s.reason).toMatch(/\(Cannot find (package|module) '@tensorflow\/tfjs-node'\)/);
    expect(s.reason).not.toContain(process.cwd());
    expect(s.reason).not.toMatch(/imported from/);
  });

  it('does not load Dawn where native addons may not load, and falls back to the pure-JS cpu backend when asked to', async () => {
    const s = await initBackend({ prefer: ['webgpu', 'cpu'] });
    expect(s.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(s.reason).toMatch(/webgpu: native addons \(Dawn\) are not loaded on this thread/);
    await initBackend({ prefer: ['wasm'] });
    expect(tf.getBackend()).toBe('wasm');
  });
});
