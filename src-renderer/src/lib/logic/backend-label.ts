import type { AppStatus, BackendStatus } from '../../../../src-main/contract/index';

/** "webgpu on nvidia hopper (NVIDIA H200)" / "wasm"; a software adapter says so. */
export function backendText(b: BackendStatus | null | undefined): string {
  if (!b) return '…';
  const a = b.adapter;
  if (!a) return b.name;
  const desc = a.description ? ` (${a.description})` : '';
  return `${b.name} on ${[a.vendor, a.architecture].filter(Boolean).join(' ')}${desc}${a.software ? ', software' : ''}`;
}

/**
 * The status bar's backend item: this process's backend, the training worker's where it differs,
 * and what encoded the sequence's tokens once something has.
 */
export function statusBackendText(s: AppStatus): string {
  const t = s.trainingBackend;
  const main = !t || (t.name === s.backend?.name && !t.adapter) ? backendText(s.backend) : `${backendText(s.backend)} · training: ${backendText(t)}`;
  return s.encodeEngine ? `${main} · encode: ${s.encodeEngine}` : main;
}
