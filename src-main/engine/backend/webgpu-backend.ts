import * as tf from '@tensorflow/tfjs-core';
import type { GpuAdapterDescription } from '../../contract';
import { adapterLabel, findAdapter, vulkanLoaderMissing } from './gpu-adapter';
import type { DawnAdapter } from './gpu-adapter';

/**
 * tfjs' WebGPU backend on Dawn's adapter. tfjs-backend-webgpu registers its own factory when
 * `navigator.gpu` exists at import; we replace it with one that uses the adapter we inspected,
 * so the GPU the status bar names is the GPU that computes, and a software rasterizer is used
 * only when asked for by name.
 */

interface DeviceAdapter extends DawnAdapter {
  readonly features: { has(name: string): boolean };
  readonly limits: Record<string, number>;
  requestDevice(desc: object): Promise<unknown>;
}

let adapterInUse: GpuAdapterDescription | null = null;

/** The adapter of the registered webgpu backend, or null before one. */
export function webGpuAdapter(): GpuAdapterDescription | null {
  return adapterInUse;
}

/**
 * Registers (once) and returns the adapter, or a reason it can't be used: no adapter, or a
 * software one when `allowSoftware` is false.
 */
export async function prepareWebGpu(allowSoftware: boolean): Promise<{ adapter: GpuAdapterDescription } | { refused: string }> {
  if (adapterInUse) {
    if (adapterInUse.software && !allowSoftware) return { refused: softwareRefusal(adapterInUse) };
    return { adapter: adapterInUse };
  }
  if (vulkanLoaderMissing()) return { refused: 'no Vulkan loader (libvulkan.so.1) on this system: install the GPU driver\'s Vulkan support (Debian: libvulkan1)' };
  const found = await findAdapter();
  if (!found) return { refused: 'Dawn found no Vulkan, Metal or D3D12 adapter (no GPU driver, or libvulkan missing)' };
  if (found.description.software && !allowSoftware) return { refused: softwareRefusal(found.description) };
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  const adapter = found.adapter as DeviceAdapter;
  tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', async () => {
    const device = await adapter.requestDevice(deviceDescriptor(adapter));
    return new WebGPUBackend(device as ConstructorParameters<typeof WebGPUBackend>[0], adapter.info as ConstructorParameters<typeof WebGPUBackend>[1]);
  });
  adapterInUse = found.description;
  return { adapter: found.description };
}

function softwareRefusal(d: GpuAdapterDescription): string {
  return `the only adapter is a software one (${adapterLabel(d)}), slower than wasm; ask for it by name (--backend webgpu) to use it anyway`;
}

/** What tfjs-backend-webgpu's own factory asks for: the adapter's full limits, timestamps if offered. */
function deviceDescriptor(adapter: DeviceAdapter): object {
  const l = adapter.limits;
  const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  return {
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  };
}
