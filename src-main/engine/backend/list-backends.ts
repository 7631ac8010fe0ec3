import type { BackendName, GpuAdapterDescription } from '../../contract';
import { BACKEND_NAMES } from './backend-order';
import { tryBackend } from './init-backend';
import { webGpuAdapter } from './webgpu-backend';
import { loadOnnxRuntime } from '../onnx/onnx-runtime';

/** A tfjs compute backend (training, views, everything), or an engine that only encodes. */
export type BackendReport = ComputeBackendReport | EncodeEngineReport;

export interface EncodeEngineReport extends Omit<ComputeBackendReport, 'name' | 'role'> {
  name: 'onnxruntime';
  role: 'encode';
}

export interface ComputeBackendReport {
  name: BackendName;
  role: 'compute';
  usable: boolean;
  /** Why not, or for a usable one what it runs on. */
  detail: string;
  adapter?: GpuAdapterDescription;
  /** Picked without being asked for (a software WebGPU adapter is usable only when forced). */
  automatic: boolean;
}

/**
 * Tries every backend in this thread (each one's probe: a small conv forward + backward) and says
 * which work and why the others don't. It switches the active backend as it goes: for the
 * `backends` command, not for a thread that computes afterwards.
 */
export async function listBackends(): Promise<BackendReport[]> {
  const out: BackendReport[] = [];
  for (const name of BACKEND_NAMES) {
    const why = await tryBackend(name, true, true);
    const adapter = name === 'webgpu' ? (webGpuAdapter() ?? undefined) : undefined;
    const report: ComputeBackendReport = { name, role: 'compute', usable: why === null, detail: why ?? DETAIL[name], automatic: why === null && !adapter?.software };
    if (adapter) report.adapter = adapter;
    out.push(report);
  }
  const ort = loadOnnxRuntime();
  out.push({
    name: 'onnxruntime',
    role: 'encode',
    usable: !('error' in ort),
    detail:
      'error' in ort
        ? ort.error
        : `ONNX Runtime ${ort.version} CPU kernels: encodes sequences and datasets with reference-architecture, OccWorld VAERes2D, hierarchical (VQ-VAE-2) and TiTok tokenizers, every quantizer (auto on a CPU backend; --encode-engine)`,
    automatic: !('error' in ort),
  });
  return out;
}

const DETAIL: Record<BackendName, string> = {
  'tensorflow-gpu': 'native TensorFlow with CUDA',
  webgpu: 'WebGPU through Dawn',
  tensorflow: 'native TensorFlow on the CPU',
  wasm: 'WebAssembly with SIMD',
  cpu: 'pure JavaScript (slow: last resort)',
};
