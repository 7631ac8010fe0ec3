/**
 * The training form's codebook-dynamics fields (docs/design-notes/codebook-dynamics.md): their
 * state, how a config fills them, and the config fields they ask for. Plain TS so that it is
 * tested without the UI; CodebookDynamicsFields.svelte only binds inputs to a DynamicsForm.
 */
import type { QuantizerConfig, TrainConfig } from '../../../../src-main/contract/index';

export interface DynamicsForm {
  deadThreshold: number;
  deadAfterSteps: number;
  reseedPool: 'fifo' | 'reservoir';
  reseedPoolSize: number;
  reseedNoise: number;
  jitter: number;
  rotationTrick: boolean;
  /** Empty: the codebook trains at the main learning rate. */
  codebookLr: string;
  schedule: boolean;
  betaStart: number;
  betaEnd: number;
  betaSteps: number;
}

export function defaultDynamicsForm(): DynamicsForm {
  return {
    deadThreshold: 1,
    deadAfterSteps: 0,
    reseedPool: 'fifo',
    reseedPoolSize: 4096,
    reseedNoise: 0,
    jitter: 0,
    rotationTrick: false,
    codebookLr: '',
    schedule: false,
    betaStart: 1,
    betaEnd: 0.25,
    betaSteps: 1000,
  };
}

/** The form as a config (e.g. the service's defaults or a loaded checkpoint's) sets it. */
export function dynamicsFormFrom(cfg: Pick<TrainConfig, 'quantizer' | 'codebookLearningRate'>, base = defaultDynamicsForm()): DynamicsForm {
  const q = cfg.quantizer;
  const f = { ...base };
  if (q.deadCodeThreshold !== undefined) f.deadThreshold = q.deadCodeThreshold;
  if (q.deadAfterSteps !== undefined) f.deadAfterSteps = q.deadAfterSteps;
  if (q.reseedPool !== undefined) f.reseedPool = q.reseedPool;
  if (q.reseedPoolSize !== undefined) f.reseedPoolSize = q.reseedPoolSize;
  if (q.reseedNoise !== undefined) f.reseedNoise = q.reseedNoise;
  if (q.jitter !== undefined) f.jitter = q.jitter;
  if (q.rotationTrick !== undefined) f.rotationTrick = q.rotationTrick;
  if (cfg.codebookLearningRate !== undefined) f.codebookLr = String(cfg.codebookLearningRate);
  if (q.betaSchedule) {
    f.schedule = true;
    f.betaStart = q.betaSchedule.start;
    f.betaEnd = q.betaSchedule.end;
    f.betaSteps = q.betaSchedule.steps;
  }
  return f;
}

/** The quantizer fields the form asks for (vq, rvq, gvq). Throws a message for the toast on bad input. */
export function dynamicsQuantizerFields(f: DynamicsForm): Partial<QuantizerConfig> {
  const q: Partial<QuantizerConfig> = {
    deadCodeThreshold: f.deadThreshold,
    deadAfterSteps: f.deadAfterSteps,
    reseedPool: f.reseedPool,
    reseedPoolSize: f.reseedPoolSize,
    reseedNoise: f.reseedNoise,
    jitter: f.jitter,
    rotationTrick: f.rotationTrick,
  };
  if (f.schedule) {
    if (!(f.betaSteps >= 1) || !Number.isInteger(f.betaSteps)) throw new Error('β schedule: steps must be an integer ≥ 1');
    q.betaSchedule = { start: f.betaStart, end: f.betaEnd, steps: f.betaSteps };
  }
  return q;
}

/** The TrainConfig fields outside the quantizer: the codebook's learning rate when one is typed. */
export function dynamicsTrainFields(f: DynamicsForm): Partial<TrainConfig> {
  const text = f.codebookLr.trim();
  if (!text) return {};
  const lr = Number(text);
  if (!(lr > 0 && lr <= 1)) throw new Error(`codebook lr: expected a number in (0, 1], got "${text}"`);
  return { codebookLearningRate: lr };
}
