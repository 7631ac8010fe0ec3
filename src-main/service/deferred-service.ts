import { SERVICE_METHODS } from '../contract/index';
import type { ServiceEvents, ServiceEventSource, ServiceListener, TokenScopeService } from '../contract/index';

/**
 * The service before it exists: calls wait for it, subscriptions attach once it is there. The
 * Electron window opens at once while the workspace is still choosing its backend and building
 * the default scene; the page's first calls simply take a moment longer. A workspace that fails
 * to start makes every call fail with its error.
 */
export function deferredService(ready: Promise<TokenScopeService & ServiceEventSource>): TokenScopeService & ServiceEventSource {
  const out: Record<string, unknown> = {};
  for (const method of SERVICE_METHODS) {
    out[method] = async (...args: unknown[]) => {
      const service = await ready;
      return (service[method] as (...a: unknown[]) => Promise<unknown>).apply(service, args);
    };
  }
  out.on = <K extends keyof ServiceEvents>(event: K, listener: ServiceListener<K>): (() => void) => {
    let off: (() => void) | null = null;
    let cancelled = false;
    ready.then(
      (service) => {
        if (!cancelled) off = service.on(event, listener);
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
      off?.();
    };
  };
  return out as unknown as TokenScopeService & ServiceEventSource;
}
