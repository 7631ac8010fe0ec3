import * as tf from '@tensorflow/tfjs-core';
import { discriminatorSnapshot, restoreDiscriminator, type DiscriminatorSnapshot } from '../engine/adversarial/adversarial-checkpoint';
import type { BackendStatus, TrainConfig, TrainMetrics, TrainProgress, TrainState } from '../contract/index';
import type { FrameSequence } from '../data/frame';
import type { OptimizerSnapshot } from '../engine/checkpoint/checkpoint';
import type { Tokenizer } from '../engine/tokenizer';
import type { AdamState } from '../engine/train/adam';
import { BatchSampler } from '../engine/train/batch-sampler';
import { HeldOutEvaluator, heldOutFramesFor } from '../engine/train/held-out';
import { fromPlain, plainWeights, toPlain } from '../engine/train/snapshot';
import type { PlainTensor, TrainSnapshot } from '../engine/train/snapshot';
import type { SourceSpec } from '../engine/train/source-spec';
import { Trainer } from '../engine/train/trainer';
import { TrainingJob } from '../engine/train/training-job';
import { DEFAULT_LIVE_WEIGHTS_MS, liveWeightsGate } from '../engine/train/live-weights';

/**
 * A tokenizer training run as the workspace drives it: start, pause, resume, stop, progress.
 * `tokenizer` is the workspace's own copy, which the views encode and decode with; `sync`
 * brings its weights up to the run's and returns what a checkpoint needs besides them.
 *
 * Two implementations: `WorkerTraining` (the default) runs the engine's TrainingJob in a worker
 * thread, so the service thread (Electron's main process, the web server) stays free;
 * `InProcessTraining` steps the Trainer on the calling thread, yielding between steps, for
 * where no worker can start.
 */
export interface TrainingListener {
  progress(p: TrainProgress): void;
  state(state: TrainState, message?: string): void;
  /**
   * `tokenizer`'s weights changed: caches of its tokens are stale. `live`: the run's current
   * weights handed over while it keeps running (every few seconds), not a pause, stop or checkpoint.
   */
  weightsChanged(step: number, live?: boolean): void;
  /** Every `checkpointEvery` steps (the workspace saves one). */
  checkpoint?(step: number): Promise<void>;
  /** The backend the worker chose (status bar: it may be a GPU this thread does not load). */
  backend?(backend: BackendStatus): void;
}

export interface SyncedState {
  step: number;
  /** New tensors: the caller disposes them. */
  optimizer: OptimizerSnapshot;
  history: TrainMetrics[];
  /**
   * The weights of that same step (new tensors: the caller disposes them), where the workspace's
   * tokenizer may not hold them yet (a worker's snapshot is loaded into it in turn); absent: the
   * tokenizer's own weights are the run's.
   */
  weights?: Record<string, tf.Tensor>;
  /** The discriminator of the same step, when the run trains adversarially. */
  discriminator?: DiscriminatorSnapshot;
}

export interface TrainingRun {
  readonly state: TrainState;
  readonly step: number;
  readonly config: TrainConfig;
  readonly tokenizer: Tokenizer;
  pause(): void;
  resume(): void;
  /** Ends the run after the current step; resolves when it has ended. */
  stop(): Promise<void>;
  /** Settles when the run ends: resolved when done or stopped, rejected on error. */
  readonly finished: Promise<void>;
  /**
   * The run's state now, its weights loaded into `tokenizer`; `latest`: the last snapshot the run
   * already sent (a scheduled checkpoint's), where asking for a fresh one would be a step later.
   */
  sync(opts?: { latest?: boolean }): Promise<SyncedState>;
  dispose(): void;
}

export interface ResumeState {
  optimizer: AdamState;
  step: number;
  history: TrainMetrics[];
  discriminator?: DiscriminatorSnapshot;
}

// ---- optimiser state in the checkpoint's layout ------------------------------------------------

export function adamToSnapshot(state: AdamState): OptimizerSnapshot {
  return {
    name: 'adam',
    weights: Object.keys(state.tensors)
      .sort()
      .map((name) => ({ name, tensor: state.tensors[name]! })),
    config: { step: state.step },
  };
}

/** The tensors stay the snapshot's (the trainer copies what it restores). */
export function snapshotToAdam(s: OptimizerSnapshot): AdamState {
  if (s.name !== 'adam') throw new Error(`cannot resume with optimiser "${s.name}" (TokenScope trains with adam)`);
  const step = Number(s.config?.step);
  if (!Number.isSafeInteger(step) || step < 0) throw new Error("the checkpoint's optimiser state has no valid step count");
  const tensors: AdamState['tensors'] = {};
  for (const w of s.weights) tensors[w.name] = w.tensor;
  return { step, tensors };
}

// ---- in process ----------------------------------------------------------------------------

export class InProcessTraining implements TrainingRun {
  private current: TrainState = 'idle';
  private readonly trainer: Trainer;
  private readonly sampler: BatchSampler;
  private wake: (() => void) | null = null;
  private stopRequested = false;
  private lastProgress = -Infinity;
  /** The views' tokenizer is the one trained here: every few seconds they are told its weights moved. */
  private readonly liveDue: () => boolean;
  readonly finished: Promise<void>;

  constructor(
    readonly tokenizer: Tokenizer,
    readonly config: TrainConfig,
    seq: FrameSequence,
    private readonly listener: TrainingListener,
    resume?: ResumeState,
    live: { everyMs: number } = { everyMs: DEFAULT_LIVE_WEIGHTS_MS },
  ) {
    this.liveDue = liveWeightsGate(live.everyMs);
    this.trainer = new Trainer(tokenizer, config);
    if (resume) this.trainer.setState({ step: resume.step, optimizer: resume.optimizer, usageWindow: [], history: resume.history });
    if (resume) restoreDiscriminator(this.trainer, resume.discriminator);
    const heldOut = heldOutFramesFor(config, seq.length);
    if (heldOut.length) this.trainer.heldOut = new HeldOutEvaluator(tokenizer, seq, heldOut, config.heldOutEvery!, config.steps);
    this.sampler = new BatchSampler(seq, config.batchSize, config.crop, config.seed + this.trainer.step, tokenizer.arch.factor, heldOut);
    this.finished = this.loop();
    this.finished.catch(() => undefined);
  }

  get state(): TrainState {
    return this.current;
  }

  get step(): number {
    return this.trainer.step;
  }

  private setState(s: TrainState, message?: string): void {
    this.current = s;
    this.listener.state(s, message);
  }

  private async loop(): Promise<void> {
    await new Promise((r) => setImmediate(r)); // let the caller subscribe first
    this.setState('running');
    try {
      while (this.trainer.step < this.config.steps && !this.stopRequested) {
        if (this.current === 'paused') {
          this.listener.weightsChanged(this.trainer.step);
          await new Promise<void>((r) => (this.wake = r));
          this.wake = null;
          continue;
        }
        const m = await this.trainer.trainStep(await this.sampler.next());
        const now = performance.now();
        if (now - this.lastProgress >= 250) {
          this.lastProgress = now;
          this.listener.progress({ state: 'running', metrics: m, usage: this.trainer.usageHistogram(), reseeds: this.trainer.reseedLog() });
        }
        const every = this.config.checkpointEvery;
        if (every > 0 && m.step % every === 0 && m.step < this.config.steps) await this.listener.checkpoint?.(m.step);
        if (this.liveDue()) this.listener.weightsChanged(this.trainer.step, true);
        await new Promise((r) => setImmediate(r));
      }
      this.listener.weightsChanged(this.trainer.step);
      this.setState('done', this.stopRequested ? 'stopped' : 'completed');
    } catch (err) {
      this.setState('error', (err as Error).message);
      throw err;
    }
  }

  pause(): void {
    if (this.current === 'running') this.setState('paused');
  }

  resume(): void {
    if (this.current !== 'paused') return;
    this.setState('running');
    this.wake?.();
  }

  async stop(): Promise<void> {
    if (this.current === 'done' || this.current === 'error') return;
    this.stopRequested = true;
    this.setState('stopping');
    this.wake?.();
    await this.finished.catch(() => undefined);
  }

  async sync(): Promise<SyncedState> {
    const discriminator = await discriminatorSnapshot(this.trainer);
    return { step: this.trainer.step, optimizer: adamToSnapshot(this.trainer.getOptimizerState()), history: this.trainer.history.slice(), ...(discriminator ? { discriminator } : {}) };
  }

  dispose(): void {
    this.trainer.dispose();
  }
}

// ---- in a worker thread ----------------------------------------------------------------------

function plainRecordToTensors(rec: Record<string, PlainTensor>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, p] of Object.entries(rec)) out[k] = fromPlain(p, k);
  return out;
}

/** A resume snapshot for the worker from the workspace's tokenizer and the checkpoint's optimiser state. */
export async function resumeSnapshot(tokenizer: Tokenizer, config: TrainConfig, resume: ResumeState): Promise<TrainSnapshot> {
  const weights = await plainWeights(tokenizer);
  const moments: Record<string, PlainTensor> = {};
  for (const [k, t] of Object.entries(resume.optimizer.tensors)) moments[k] = await toPlain(t);
  return {
    config,
    encoding: tokenizer.encoding,
    step: resume.step,
    weights,
    optimizer: { step: resume.optimizer.step, tensors: moments },
    usageWindow: [],
    history: resume.history,
    ...(resume.discriminator ? { discriminator: resume.discriminator } : {}),
  };
}

export class WorkerTraining implements TrainingRun {
  private current: TrainState = 'idle';
  private latest: TrainSnapshot | null = null;
  private lastStep = 0;
  /** Step of the newest weights loaded into `tokenizer`. */
  private adoptedStep = 0;
  private readonly job: TrainingJob;
  readonly finished: Promise<void>;

  constructor(
    readonly tokenizer: Tokenizer,
    readonly config: TrainConfig,
    source: SourceSpec,
    private readonly listener: TrainingListener,
    resume?: TrainSnapshot,
    entry?: URL,
    live: { everyMs: number } = { everyMs: DEFAULT_LIVE_WEIGHTS_MS },
  ) {
    this.lastStep = resume?.step ?? 0;
    this.job = new TrainingJob({
      ...(entry ? { entry } : {}),
      config,
      source,
      resume,
      backend: { allowNative: true },
      progressHz: 4,
      weightsEveryMs: live.everyMs,
      onCheckpoint: async (snapshot, info) => {
        this.adopt(snapshot);
        if (!info.final && info.id === undefined) await this.listener.checkpoint?.(snapshot.step);
      },
    });
    this.job.on('started', (s) => {
      this.lastStep = s.step;
      this.listener.backend?.(s.backend);
      this.setState('running');
    });
    // Live weights: the views follow the run while it keeps going (an older hand-over is ignored).
    this.job.on('weights', ({ step, weights }) => {
      if (step < this.adoptedStep || this.current === 'done' || this.current === 'error') return;
      this.load(weights, step);
      this.listener.weightsChanged(step, true);
    });
    this.job.on('progress', (p) => {
      if (p.metrics) this.lastStep = p.metrics.step;
      // The worker reports pause/resume through its progress messages' state.
      const live = this.current === 'running' || this.current === 'paused';
      if (live && p.state !== this.current && (p.state === 'paused' || p.state === 'running')) {
        this.setState(p.state, p.message);
        if (p.state === 'paused') void this.sync().then((s) => tf.dispose([...s.optimizer.weights.map((w) => w.tensor), ...Object.values(s.weights ?? {})]), () => undefined);
      }
      this.listener.progress(p);
    });
    this.finished = this.job.done.then(
      (d) => {
        this.lastStep = d.step;
        this.setState('done', d.reason);
      },
      (err: Error) => {
        this.setState('error', err.message);
        throw err;
      },
    );
    this.finished.catch(() => undefined);
  }

  get state(): TrainState {
    return this.current;
  }

  get step(): number {
    return this.lastStep;
  }

  private setState(s: TrainState, message?: string): void {
    this.current = s;
    this.listener.state(s, message);
  }

  /** Loads a snapshot's weights into the workspace's tokenizer and keeps it for the optimiser state. */
  private adopt(snapshot: TrainSnapshot): void {
    this.load(snapshot.weights, snapshot.step);
    this.latest = snapshot;
    this.lastStep = Math.max(this.lastStep, snapshot.step);
    this.listener.weightsChanged(snapshot.step);
  }

  private load(plain: Record<string, PlainTensor>, step: number): void {
    const weights = plainRecordToTensors(plain);
    try {
      this.tokenizer.loadStateDict(weights, `training step ${step}`);
    } finally {
      tf.dispose(Object.values(weights));
    }
    this.adoptedStep = Math.max(this.adoptedStep, step);
  }

  pause(): void {
    if (this.current === 'running') this.job.pause();
  }

  resume(): void {
    if (this.current === 'paused') this.job.resume();
  }

  async stop(): Promise<void> {
    if (this.current === 'done' || this.current === 'error') return;
    this.setState('stopping');
    await this.job.stop().catch(() => undefined);
  }

  async sync(opts?: { latest?: boolean }): Promise<SyncedState> {
    const running = this.current === 'running' || this.current === 'paused';
    const snapshot = running && !(opts?.latest && this.latest) ? await this.job.requestCheckpoint() : this.latest;
    if (!snapshot) throw new Error('the training run has not produced any weights yet');
    // requestCheckpoint's snapshot also went through onCheckpoint (adopted); the latest one already was.
    const tensors: AdamState['tensors'] = plainRecordToTensors(snapshot.optimizer.tensors);
    return {
      step: snapshot.step,
      optimizer: adamToSnapshot({ step: snapshot.optimizer.step, tensors }),
      history: snapshot.history.slice(),
      weights: plainRecordToTensors(snapshot.weights),
      ...(snapshot.discriminator ? { discriminator: snapshot.discriminator } : {}),
    };
  }

  dispose(): void {
    void this.job.terminate();
  }
}
