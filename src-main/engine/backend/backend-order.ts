import type { BackendName } from '../../contract';

/**
 * Which backends to try, in which order. By default the fastest that works: CUDA through
 * tfjs-node-gpu, then WebGPU on a hardware adapter, native CPU TensorFlow, wasm, pure JS. A
 * user forces one by name (`--backend`, the app's setting, or TOKENSCOPE_BACKEND, which worker
 * threads inherit); a forced backend that cannot load here falls back along the default order,
 * and the status says why.
 */
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

/** The environment variable that forces a backend in this process and the workers it starts. */
export const BACKEND_ENV = 'TOKENSCOPE_BACKEND';

export function isBackendName(v: string): v is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(v);
}

/** The name, or an error that says where the bad value came from and what is allowed. */
export function parseBackendName(value: string, where: string): BackendName {
  const v = value.trim();
  if (isBackendName(v)) return v;
  throw new Error(`${where}: unknown backend "${value}" (expected one of ${BACKEND_NAMES.join(', ')})`);
}

/** The backend forced through the environment, if any ('' or 'auto' mean none). */
export function forcedBackend(env: NodeJS.ProcessEnv = process.env): BackendName | undefined {
  const v = env[BACKEND_ENV]?.trim();
  if (!v || v === 'auto') return undefined;
  return parseBackendName(v, BACKEND_ENV);
}

export interface BackendPlan {
  order: BackendName[];
  /** A software WebGPU adapter may be used: webgpu was asked for by name. */
  allowSoftwareGpu: boolean;
}

export function backendPlan(prefer: BackendName[] | undefined, env: NodeJS.ProcessEnv = process.env): BackendPlan {
  if (prefer?.length) return { order: prefer, allowSoftwareGpu: prefer.includes('webgpu') };
  const forced = forcedBackend(env);
  if (!forced) return { order: [...BACKEND_NAMES], allowSoftwareGpu: false };
  return { order: [forced, ...BACKEND_NAMES.filter((n) => n !== forced)], allowSoftwareGpu: forced === 'webgpu' };
}
