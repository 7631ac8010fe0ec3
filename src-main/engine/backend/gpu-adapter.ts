import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { GpuAdapterDescription } from '../../contract';

/**
 * Dawn (the `webgpu` npm package) in Node: creates `navigator.gpu` once per thread and asks it
 * for an adapter. Dawn is a native addon, so only threads that may load native addons call
 * this (see init-backend's allowNative). The adapter's own info says whether it is a real GPU.
 */

/** The slice of WebGPU's GPUAdapter this module reads (kept structural: no DOM typings needed). */
export interface DawnAdapter {
  readonly info?: { vendor?: string; architecture?: string; description?: string; device?: string; isFallbackAdapter?: boolean };
  readonly isFallbackAdapter?: boolean;
}

export interface FoundAdapter {
  adapter: DawnAdapter;
  description: GpuAdapterDescription;
}

// CPU implementations of Vulkan / D3D12 / Metal that report themselves as GPUs: SwiftShader
// (Chromium's), Mesa's llvmpipe / lavapipe / softpipe, Microsoft's WARP ("Basic Render Driver").
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|\bwarp\b|basic render/i;

/** Whether Dawn's adapter info names a software rasterizer rather than a GPU. */
export function isSoftwareAdapter(info: DawnAdapter['info'], fallback?: boolean): boolean {
  if (fallback || info?.isFallbackAdapter) return true;
  const text = [info?.vendor, info?.architecture, info?.description, info?.device].filter(Boolean).join(' ');
  return SOFTWARE.test(text);
}

export function describeAdapter(a: DawnAdapter): GpuAdapterDescription {
  const info = a.info ?? {};
  return {
    vendor: info.vendor || 'unknown vendor',
    architecture: info.architecture || '',
    description: info.description || '',
    device: info.device || '',
    software: isSoftwareAdapter(info, a.isFallbackAdapter),
  };
}

/** One line for banners and the status bar, e.g. "nvidia hopper (NVIDIA H200), hardware". */
export function adapterLabel(d: GpuAdapterDescription): string {
  const name = [d.vendor, d.architecture].filter(Boolean).join(' ');
  const desc = d.description && d.description !== name ? ` (${d.description})` : '';
  return `${name}${desc}, ${d.software ? 'software' : 'hardware'}`;
}

interface Gpu {
  requestAdapter(opts?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<DawnAdapter | null>;
}

let gpu: Promise<Gpu> | null = null;

/** Loads Dawn and installs its WebGPU globals (GPUBufferUsage…, navigator.gpu) for tfjs. */
export function loadDawn(): Promise<Gpu> {
  gpu ??= (async () => {
    const { create, globals } = (await import('webgpu')) as unknown as { create(flags: string[]): Gpu; globals: object };
    Object.assign(globalThis, globals);
    const g = create([]);
    const nav = ((globalThis as { navigator?: object }).navigator ??= {}) as { gpu?: Gpu };
    // Node 21+ has a read-only navigator without gpu; define the property rather than assign it.
    Object.defineProperty(nav, 'gpu', { value: g, configurable: true, writable: true });
    return g;
  })();
  gpu.catch(() => (gpu = null));
  return gpu;
}

/**
 * On Linux Dawn reaches GPUs through Vulkan and, without a Vulkan loader, prints a warning on
 * stderr (before every CLI banner) and finds nothing. Look for the loader the way the dynamic
 * linker does (LD_LIBRARY_PATH, then ld.so's cache) and skip Dawn where it is absent.
 */
export function vulkanLoaderMissing(env: NodeJS.ProcessEnv = process.env, cacheFile = '/etc/ld.so.cache'): boolean {
  if (process.platform !== 'linux') return false;
  const dirs = (env.LD_LIBRARY_PATH ?? '').split(path.delimiter).filter(Boolean);
  if (dirs.some((d) => existsSync(path.join(d, 'libvulkan.so.1')))) return false;
  try {
    return !readFileSync(cacheFile).includes('libvulkan.so.1');
  } catch {
    return false; // no cache to read: let Dawn try
  }
}

/** The high-performance adapter Dawn offers, or null with no Vulkan / Metal / D3D12 device at all. */
export async function findAdapter(): Promise<FoundAdapter | null> {
  const g = await loadDawn();
  const adapter = await g.requestAdapter({ powerPreference: 'high-performance' });
  return adapter ? { adapter, description: describeAdapter(adapter) } : null;
}
