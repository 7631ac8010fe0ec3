import type { ServiceEventSource, ServiceEvents, ServiceListener } from '../contract/index';

/**
 * The service's events (status, training progress, job progress, errors), delivered to every
 * front door that subscribed. A listener that throws is reported once on stderr and does not
 * stop the others: one broken WebSocket must not silence the Electron window.
 */
export class EventHub implements ServiceEventSource {
  private readonly listeners = new Map<keyof ServiceEvents, Set<(payload: never) => void>>();

  on<K extends keyof ServiceEvents>(event: K, listener: ServiceListener<K>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => {
      set.delete(listener as (payload: never) => void);
    };
  }

  emit<K extends keyof ServiceEvents>(event: K, payload: ServiceEvents[K]): void {
    for (const fn of [...(this.listeners.get(event) ?? [])]) {
      try {
        (fn as ServiceListener<K>)(payload);
      } catch (err) {
        process.stderr.write(`tokenscope: a '${event}' listener failed: ${(err as Error).message}\n`);
      }
    }
  }

  listenerCount(event: keyof ServiceEvents): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}
