import { describe, expect, test } from 'vitest';
import { CurveOverlayStore } from './curve-overlay.svelte';
import type { TokenScopeClient, TrainMetrics } from '../../../../src-main/contract/index';

const m = (step: number, loss: number) => ({ step, totalSteps: 4, loss, reconLoss: loss, quantLoss: {}, perplexity: 2, utilization: 0.5, deadCodes: 1, bitsPerToken: 1, compressionRatio: 1, msPerStep: 1, etaSeconds: 0 }) as TrainMetrics;

describe('CurveOverlayStore', () => {
  test('loads an earlier run\'s metrics as columns; an empty history is an error, not an empty overlay', async () => {
    const asked: string[] = [];
    const client = { readTrainingHistory: async (p: string) => (asked.push(p), p === '/empty' ? [] : [m(2, 3), m(4, 1)]) } as unknown as TokenScopeClient;
    const s = new CurveOverlayStore();
    await s.load(client, ' /run ');
    expect(asked).toEqual(['/run']);
    expect(s.earlier?.step).toEqual([2, 4]);
    expect(s.earlier?.values.get('loss')).toEqual([3, 1]);
    expect(s.source).toBe('/run');
    await s.load(client, '/empty');
    expect(s.error).toContain('no training metrics');
    expect(s.earlier?.step).toEqual([2, 4]);
    s.clear();
    expect(s.earlier).toBeNull();
  });
});
