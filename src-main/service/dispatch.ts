import { SERVICE_METHODS } from '../contract/index';
import type { ServiceMethod, TokenScopeService } from '../contract/index';
import { parseArguments } from './validate-arguments';

/**
 * The one place a front door (WebSocket, Electron IPC) turns a method name that arrived from
 * outside into a call on the service. Only names in the contract's whitelist get through:
 * not `on`, not `constructor`, not a private helper of the implementation; and only arguments
 * its schemas accept (contract/schemas.ts), so the service gets what its types say.
 */
const ALLOWED: ReadonlySet<string> = new Set(SERVICE_METHODS);

export function isServiceMethod(name: unknown): name is ServiceMethod {
  return typeof name === 'string' && ALLOWED.has(name);
}

export class UnknownMethodError extends Error {
  constructor(name: unknown) {
    super(`unknown method ${JSON.stringify(typeof name === 'string' ? name.slice(0, 80) : String(name))}`);
    this.name = 'UnknownMethodError';
  }
}

export async function dispatch(service: TokenScopeService, method: unknown, params: unknown): Promise<unknown> {
  if (!isServiceMethod(method)) throw new UnknownMethodError(method);
  if (!Array.isArray(params)) throw new Error(`${method}: parameters must be an array`);
  const args = parseArguments(method, params);
  const fn = service[method] as (...args: unknown[]) => Promise<unknown>;
  return await fn.apply(service, args);
}
