import { listBackends, type ComputeBackendReport } from '../src-main/engine/backend/list-backends';
import { adapterLabel } from '../src-main/engine/backend/gpu-adapter';
import { isBackendName } from '../src-main/engine/backend/backend-order';
import type { BackendName } from '../src-main/contract';

export interface BenchBackend {
  name: BackendName;
  /** "wasm", or "webgpu (nvidia hopper (NVIDIA H200), hardware)". */
  label: string;
}

/**
 * The backends `npm run bench` times: BENCH_BACKENDS (comma-separated) when set, else every
 * usable backend that is picked without being asked for (a software WebGPU adapter compiles its
 * shaders for minutes on the reference model, pure-JS cpu takes ~100 s a step: name them to
 * include them).
 */
export async function benchBackends(env: NodeJS.ProcessEnv = process.env): Promise<BenchBackend[]> {
  const asked = env.BENCH_BACKENDS?.split(',').map((s) => s.trim()).filter(Boolean);
  for (const a of asked ?? []) if (!isBackendName(a)) throw new Error(`BENCH_BACKENDS: unknown backend "${a}"`);
  const all = await listBackends();
  for (const b of all) if (asked?.includes(b.name) && !b.usable) console.log(`${b.name}: not usable (${b.detail})`);
  return all
    .filter((b): b is ComputeBackendReport => b.role === 'compute')
    .filter((b) => b.usable && (asked ? asked.includes(b.name) : b.automatic && b.name !== 'cpu'))
    .map((b) => ({ name: b.name, label: b.adapter ? `${b.name} (${adapterLabel(b.adapter)})` : b.name }));
}
