import { fileURLToPath } from 'node:url';

/**
 * Where to start a worker for a module. A compiled `.js`/`.mjs` module starts directly; a
 * `.ts` source starts through worker-bootstrap.mjs, which registers tsx's loader first (worker
 * threads do not inherit it). The bootstrap reads the real entry from workerData.entry.
 */
export function workerEntry(module: URL): { url: URL; execArgv: string[] } {
  const file = fileURLToPath(module);
  if (/\.(c|m)?js$/.test(file)) return { url: module, execArgv: [] };
  return { url: new URL('./worker-bootstrap.mjs', import.meta.url), execArgv: [] };
}
