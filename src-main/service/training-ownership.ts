import type { TrainingOwnership } from '../contract/index';
import { ServiceStateError } from './errors';
import { currentClient } from './client-context';

/**
 * Who started the training run, when, on which data, and who last paused, resumed or stopped
 * it: shown to every client in the status, so that two people sharing one server see each
 * other's actions instead of having their run changed under them silently.
 */
export class TrainingOwner {
  private current: Omit<TrainingOwnership, 'state'> | null = null;

  /** A new run starts now, on `source`, by the calling client. */
  start(source: string): void {
    this.current = { owner: currentClient(), startedAt: new Date().toISOString(), source };
  }

  /** Pause, resume or stop by the calling client (allowed for everyone, and shown). */
  control(action: 'pause' | 'resume' | 'stop'): void {
    if (this.current) this.current = { ...this.current, lastControl: { action, by: currentClient(), at: new Date().toISOString() } };
  }

  describe(state: TrainingOwnership['state']): TrainingOwnership | null {
    return this.current ? { ...this.current, state } : null;
  }

  /** ` (started by client ws-1 at … on …)`, or nothing before the first run. */
  private startedBy(): string {
    const c = this.current;
    return c ? ` (started by ${c.owner === currentClient() ? 'you' : `client ${c.owner}`} at ${c.startedAt} on ${c.source})` : '';
  }

  /** The error for a call that would change the data under a running run. */
  refuse(method: string): ServiceStateError {
    return new ServiceStateError(`${method}: a training run owns the open data${this.startedBy()}; stop it before opening other data`);
  }

  /** The error for a second run while one is active. */
  busy(method: string): ServiceStateError {
    return new ServiceStateError(`${method}: training is already running (stop it first)${this.startedBy()}`);
  }
}
