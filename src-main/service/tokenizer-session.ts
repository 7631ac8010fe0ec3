import type { CheckpointInfo, TrainConfig, TrainMetrics } from '../contract/index';
import type { DiscriminatorSnapshot } from '../engine/adversarial/adversarial-checkpoint';
import type { FrameEncoding, FrameSequence } from '../data/frame';
import type { Tokenizer } from '../engine/tokenizer';
import type { OptimizerSnapshot } from '../engine/checkpoint/checkpoint';
import type { InputDescription } from '../engine/checkpoint/export-config';
import { ServiceStateError } from './errors';

/**
 * The tokenizer the workspace shows: built from a training run or opened from a checkpoint or
 * an export. `version` changes whenever its weights do, so caches keyed by it never serve
 * tokens of older weights.
 */
export interface TokenizerSession {
  version: number;
  tokenizer: Tokenizer;
  config: TrainConfig;
  encoding: FrameEncoding;
  step: number;
  metrics: TrainMetrics[];
  /** Where it was loaded from or last saved to; null for an unsaved training result. */
  info: CheckpointInfo | null;
  /** Optimiser state to save with it (so that training can resume), when known. */
  optimizer: OptimizerSnapshot | null;
  /** The frames it was trained on (or its checkpoint recorded): what a checkpoint saved from it records. */
  input?: InputDescription;
  /** The adversarial objective's discriminator to save with it (and resume), when it was trained with one. */
  discriminator?: DiscriminatorSnapshot;
  /**
   * While training: the step of the weights its tokenizer holds (the run hands them over every few
   * seconds; `step` runs ahead with the progress events). Absent: `step`.
   */
  weightsStep?: number;
}

/** The training step of the weights a session's tokenizer holds now (what the views show). */
export function weightsStepOf(s: TokenizerSession): number {
  return s.weightsStep ?? s.step;
}

export function disposeSession(s: TokenizerSession | null): void {
  if (!s) return;
  s.tokenizer.dispose();
  for (const w of s.optimizer?.weights ?? []) if (!w.tensor.isDisposed) w.tensor.dispose();
}

/** Why a tokenizer cannot read a sequence, or null when it can. */
export function incompatibility(s: TokenizerSession, seq: FrameSequence): string | null {
  const m = s.config.model;
  if (m.inChannels !== seq.channels) {
    return `the tokenizer takes ${m.inChannels} channels but "${seq.name}" has ${seq.channels}`;
  }
  const f = s.tokenizer.arch.factor;
  if (seq.height % f !== 0 || seq.width % f !== 0) {
    return `"${seq.name}" is ${seq.height}×${seq.width}, not a multiple of the tokenizer's downsampling factor ${f}`;
  }
  return null;
}

export function requireCompatible(method: string, s: TokenizerSession, seq: FrameSequence): void {
  const why = incompatibility(s, seq);
  if (why) throw new ServiceStateError(`${method}: ${why} (open matching data or another checkpoint)`);
}

/** What an export or checkpoint records about the frames. */
export function inputDescription(seq: FrameSequence): InputDescription {
  return { height: seq.height, width: seq.width, channelNames: [...seq.channelNames], encoding: seq.encoding };
}

export function describeCheckpoint(path: string, s: Pick<TokenizerSession, 'config' | 'step' | 'tokenizer'>, sizeBytes: number, grid: [number, number]): CheckpointInfo {
  return {
    path,
    step: s.step,
    config: s.config,
    sizeBytes,
    codebookSize: s.tokenizer.quantizer.codebookSize,
    depth: s.tokenizer.quantizer.depth,
    tokenGrid: grid,
  };
}
