/**
 * An earlier run's training curves overlaid on the current run's in the Training tab: loaded
 * from a run folder, a metrics.jsonl or a checkpoint's saved history through the service.
 */
import type { TokenScopeClient } from '../../../../src-main/contract/index';
import { columnsOfHistory } from '../logic/curve-overlay';
import type { MetricColumns } from '../logic/series';
import { messageOf } from './host';

export class CurveOverlayStore {
  earlier = $state.raw<MetricColumns | null>(null);
  source = $state<string | null>(null);
  error = $state<string | null>(null);

  async load(client: TokenScopeClient | null, path: string): Promise<void> {
    if (!client || !path.trim()) return;
    try {
      const metrics = await client.readTrainingHistory(path.trim());
      if (!metrics.length) throw new Error(`${path.trim()}: no training metrics in it`);
      this.earlier = columnsOfHistory(metrics);
      this.source = path.trim();
      this.error = null;
    } catch (e) {
      this.error = messageOf(e);
    }
  }

  clear(): void {
    this.earlier = null;
    this.source = null;
    this.error = null;
  }
}
