import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Which client a service call came from, without threading it through every method: a front
 * door runs each call inside `asClient(id, …)` (the web server: one id per WebSocket connection;
 * Electron: its window) and the workspace reads `currentClient()` where ownership matters (who
 * started a training run, who stopped it). A call from no front door (the CLI, tests) is `local`.
 */
const storage = new AsyncLocalStorage<string>();

export const LOCAL_CLIENT = 'local';

export function asClient<R>(clientId: string, fn: () => R): R {
  return storage.run(clientId, fn);
}

export function currentClient(): string {
  return storage.getStore() ?? LOCAL_CLIENT;
}
