/** `tokenscope train`'s codebook-dynamics flags: parsed into the config, refused when malformed, the summary line. */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { configFromOptions } from './train-command';
import { addCodebookDynamicsOptions, betaScheduleOption, dynamicsInfoLine, reseedLine, type CodebookDynamicsOptions } from './codebook-dynamics-options';

function parse(args: string[]): CodebookDynamicsOptions {
  const cmd = addCodebookDynamicsOptions(new Command().exitOverride().configureOutput({ writeErr: () => undefined }));
  cmd.parse(args, { from: 'user' });
  return cmd.opts<CodebookDynamicsOptions>();
}

describe('codebook dynamics flags', () => {
  it('become quantizer fields and the codebook learning rate', () => {
    const o = parse(['--reseed', 'split', '--dead-after-steps', '50', '--dead-threshold', '0.5', '--reseed-pool', 'reservoir', '--reseed-pool-size', '1000',
      '--reseed-noise', '0.01', '--jitter', '0.1', '--rotation-trick', '--codebook-lr', '1e-4', '--beta-schedule', '1,0.25,500']);
    const cfg = configFromOptions({ steps: 10, ...o } as Parameters<typeof configFromOptions>[0]);
    expect(cfg.quantizer).toEqual({
      reseed: 'split',
      deadAfterSteps: 50,
      deadCodeThreshold: 0.5,
      reseedPool: 'reservoir',
      reseedPoolSize: 1000,
      reseedNoise: 0.01,
      jitter: 0.1,
      rotationTrick: true,
      betaSchedule: { start: 1, end: 0.25, steps: 500 },
    });
    expect(cfg.codebookLearningRate).toBe(1e-4);
    expect(configFromOptions({ steps: 10 } as Parameters<typeof configFromOptions>[0])).toEqual({ steps: 10 });
  });

  it('refuse malformed values with a clear message', () => {
    expect(() => betaScheduleOption('1,0.25')).toThrow(/start,end,steps/);
    expect(() => betaScheduleOption('1,0.25,0')).toThrow(/step count ≥ 1/);
    expect(() => parse(['--reseed', 'sometimes'])).toThrow(/Allowed choices are random, largest-error, split, off/);
    expect(() => parse(['--jitter', '-1'])).toThrow(/expected a number in 0\.\.1000/);
  });

  it('print a reseeding summary only for quantizers that reseed', () => {
    const events = [{ step: 3, codes: [1, 2], source: 'split' as const, from: [0, 0] }];
    expect(reseedLine({ kind: 'vq', deadCodeThreshold: 1, reseed: 'split' }, events)).toBe('reseeding: 2 codes in 1 events (steps 3–3): 2 from splits of popular codes');
    expect(reseedLine({ kind: 'vq', deadAfterSteps: 10 }, [])).toBe('reseeding: no codes reseeded');
    expect(reseedLine({ kind: 'fsq', levels: [8, 5] }, events)).toBeNull();
    expect(reseedLine({ kind: 'vq', deadCodeThreshold: 1, reseed: 'off' }, events)).toBeNull();
  });

  it('tokenscope info names the settings a checkpoint was trained with', () => {
    expect(dynamicsInfoLine({ quantizer: { kind: 'vq', reseed: 'split', deadCodeThreshold: 1, deadAfterSteps: 5, reseedNoise: 0.01, rotationTrick: true, betaSchedule: { start: 1, end: 0.25, steps: 30 } }, codebookLearningRate: 0.002 })).toBe(
      'dynamics    reseed split (dead: EMA count < 1 or unused 5 steps), reseed noise σ 0.01, rotation trick, β 1 → 0.25 over 30 steps, codebook lr 0.002',
    );
    expect(dynamicsInfoLine({ quantizer: { kind: 'fsq', levels: [8, 5] } })).toBeNull();
  });
});
