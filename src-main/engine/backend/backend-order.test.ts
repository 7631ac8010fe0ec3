import { describe, expect, it } from 'vitest';
import { backendPlan, forcedBackend } from './backend-order';
import { adapterLabel, describeAdapter, isSoftwareAdapter } from './gpu-adapter';

describe('backend order', () => {
  it('tries CUDA, then WebGPU (hardware only), native CPU, wasm, pure JS by default', () => {
    expect(backendPlan(undefined, {})).toEqual({ order: ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'], allowSoftwareGpu: false });
  });
  it('TOKENSCOPE_BACKEND puts the named backend first (a software GPU allowed for webgpu) and keeps the rest as fallbacks', () => {
    expect(backendPlan(undefined, { TOKENSCOPE_BACKEND: 'webgpu' })).toEqual({
      order: ['webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'],
      allowSoftwareGpu: true,
    });
    expect(backendPlan(undefined, { TOKENSCOPE_BACKEND: 'wasm' }).order[0]).toBe('wasm');
    expect(backendPlan(undefined, { TOKENSCOPE_BACKEND: 'auto' }).allowSoftwareGpu).toBe(false);
    expect(forcedBackend({ TOKENSCOPE_BACKEND: '' })).toBeUndefined();
  });
  it('an explicit list wins over the environment', () => {
    expect(backendPlan(['wasm'], { TOKENSCOPE_BACKEND: 'webgpu' })).toEqual({ order: ['wasm'], allowSoftwareGpu: false });
  });
  it('an unknown name is refused with the variable and the valid names', () => {
    expect(() => backendPlan(undefined, { TOKENSCOPE_BACKEND: 'cuda' })).toThrow(
      'TOKENSCOPE_BACKEND: unknown backend "cuda" (expected one of tensorflow-gpu, webgpu, tensorflow, wasm, cpu)',
    );
  });
});

describe('GPU adapters', () => {
  it('software rasterizers are recognised by their info (SwiftShader, llvmpipe, lavapipe, WARP) or the fallback flag', () => {
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(isSoftwareAdapter({ description: 'Microsoft Basic Render Driver' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' }, true)).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' })).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'apple', architecture: 'metal-3', description: 'Apple M2' })).toBe(false);
  });
  it('a label names vendor, architecture, description and the kind', () => {
    const d = describeAdapter({ info: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200', device: '' } });
    expect(adapterLabel(d)).toBe('nvidia hopper (NVIDIA H200), hardware');
  });
});

describe('Vulkan loader check (Linux)', () => {
  it.skipIf(process.platform !== 'linux')('finds libvulkan.so.1 in LD_LIBRARY_PATH or ld.so\'s cache, else reports it missing', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { vulkanLoaderMissing } = await import('./gpu-adapter');
    const dir = await mkdtemp(path.join(tmpdir(), 'vk-'));
    try {
      const cache = path.join(dir, 'ld.so.cache');
      await writeFile(cache, 'glibc-ld.so.cache1.1\0libc.so.6\0');
      expect(vulkanLoaderMissing({}, cache)).toBe(true);
      await writeFile(cache, 'glibc-ld.so.cache1.1\0libvulkan.so.1\0/usr/lib/x86_64-linux-gnu/libvulkan.so.1\0');
      expect(vulkanLoaderMissing({}, cache)).toBe(false);
      await writeFile(path.join(dir, 'libvulkan.so.1'), '');
      expect(vulkanLoaderMissing({ LD_LIBRARY_PATH: dir }, path.join(dir, 'absent'))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
