import * as tf from '@tensorflow/tfjs-core';
import type { BackendName, BackendStatus } from '../../contract';
import './gradients';
import { summarizeError } from './error-summary';
import { probeTraining } from './probe';
import { backendPlan } from './backend-order';
import { adapterLabel } from './gpu-adapter';
import { prepareWebGpu, webGpuAdapter } from './webgpu-backend';
import { registerWasmTrainingKernels, WASM_EXTRA_KERNELS } from './wasm-kernels';
import { wasmBinaryDir } from './wasm-path';

/**
 * Picks the compute backend: tfjs-node-gpu (CUDA) → WebGPU on a hardware adapter (Dawn) →
 * tfjs-node → wasm (SIMD) → pure-JS cpu (backend-order.ts; TOKENSCOPE_BACKEND forces one).
 * Native addons (tfjs-node, Dawn) are imported lazily and only where allowed (never on
 * Electron's main thread: the memory cage), and used only if a conv forward + backward probe succeeds on them. The
 * returned `reason` lists what was tried and why each refused one was refused.
 */
export interface InitBackendOptions {
  /** Backends to try, in order (default: the full order above, or the one TOKENSCOPE_BACKEND forces first). */
  prefer?: BackendName[];
  /** May native tfjs-node(-gpu) be loaded here (false on the Electron main thread). */
  allowNative?: boolean;
}

let current: BackendStatus | null = null;
let lastKey = '';
let last: Promise<BackendStatus> | null = null;

/** The backend chosen by the last initBackend, or null before one. */
export function activeBackend(): BackendStatus | null {
  return current;
}

export function initBackend(opts: InitBackendOptions = {}): Promise<BackendStatus> {
  let plan;
  try {
    plan = backendPlan(opts.prefer);
  } catch (err) {
    return Promise.reject(err);
  }
  const allowNative = opts.allowNative ?? false;
  // The backend is process-wide state: the same request gets the same (possibly pending) answer.
  const key = `${plan.order.join(',')}|${allowNative}|${plan.allowSoftwareGpu}`;
  if (last && key === lastKey) return last;
  lastKey = key;
  last = choose(plan.order, allowNative, plan.allowSoftwareGpu);
  last.catch(() => {
    last = null;
  });
  return last;
}

async function choose(order: BackendName[], allowNative: boolean, allowSoftwareGpu: boolean): Promise<BackendStatus> {
  const refused: string[] = [];
  for (const name of order) {
    const why = await tryBackend(name, allowNative, allowSoftwareGpu);
    if (why === null) {
      const adapter = name === 'webgpu' ? webGpuAdapter() : null;
      current = adapter ? { name, reason: describe(name, refused), adapter } : { name, reason: describe(name, refused) };
      return current;
    }
    refused.push(`${name}: ${why}`);
  }
  throw new Error(`no usable TensorFlow.js backend (${refused.join('; ')})`);
}

function describe(name: BackendName, refused: string[]): string {
  let detail = '';
  if (name === 'wasm') {
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
    detail = `wasm (SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'}; added kernels: ${WASM_EXTRA_KERNELS.join(', ')})`;
  } else if (name === 'webgpu') {
    const a = webGpuAdapter();
    detail = `WebGPU (Dawn) on ${a ? adapterLabel(a) : 'an unknown adapter'}`;
  } else if (name === 'cpu') {
    detail = 'pure-JS cpu (slow: last resort)';
  } else {
    detail = name === 'tensorflow-gpu' ? 'native TensorFlow with CUDA' : 'native TensorFlow (CPU)';
  }
  return refused.length ? `${detail}; refused: ${refused.join('; ')}` : detail;
}

/** Returns null when `name` is now the active backend, else the reason it cannot be. */
export async function tryBackend(name: BackendName, allowNative: boolean, allowSoftwareGpu = true): Promise<string | null> {
  try {
    switch (name) {
      case 'tensorflow-gpu':
      case 'tensorflow': {
        if (!allowNative) return 'native addons are not loaded on this thread (allowNative is false)';
        const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
        try {
          // A variable specifier keeps bundlers and tsc from resolving the optional package.
          await import(/* @vite-ignore */ pkg);
        } catch (err) {
          return `${pkg} is not installed or failed to load (${summarizeError(err)})`;
        }
        if (!(await tf.setBackend('tensorflow'))) return `${pkg} loaded but its backend did not initialise`;
        if (name === 'tensorflow-gpu' && !(await nativeHasGpu())) return 'libtensorflow found no CUDA device';
        break;
      }
      case 'webgpu': {
        if (!allowNative) return 'native addons (Dawn) are not loaded on this thread (allowNative is false)';
        const ready = await prepareWebGpu(allowSoftwareGpu);
        if ('refused' in ready) return ready.refused;
        if (!(await tf.setBackend('webgpu'))) return 'the webgpu backend did not initialise (no device from the adapter)';
        break;
      }
      case 'wasm': {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        wasm.setWasmPaths(wasmBinaryDir());
        if (!(await tf.setBackend('wasm'))) return 'the wasm backend did not initialise';
        registerWasmTrainingKernels();
        break;
      }
      case 'cpu': {
        await import('@tensorflow/tfjs-backend-cpu');
        if (!(await tf.setBackend('cpu'))) return 'the cpu backend did not initialise';
        break;
      }
    }
    await tf.ready();
    const probe = await probeTraining();
    return probe === null ? null : summarizeError(probe);
  } catch (err) {
    return summarizeError(err);
  }
}

/** tfjs-node-gpu registers the same 'tensorflow' backend as tfjs-node; ask it whether a GPU is there. */
async function nativeHasGpu(): Promise<boolean> {
  const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
  return backend.isUsingGpuDevice === true;
}
