/**
 * The training worker thread: owns the backend, tokenizer and trainer, runs steps until the
 * configured count or a stop, and talks to its TrainingJob only through the messages of
 * protocol.ts. Progress is throttled (a person reads a few updates a second; the IPC does not
 * need one message per step). Checkpoints leave as snapshots the calling side saves.
 */
import { parentPort } from 'node:worker_threads';
import type { TrainProgress } from '../../contract';
import { initBackend } from '../backend/init-backend';
import { applyCommand } from '../jobs/job-protocol';
import { progressGate, RunControl } from '../jobs/run-control';
import { resumeTraining, saveTrainingCheckpoint } from '../checkpoint/training-checkpoint';
import { Tokenizer } from '../tokenizer';
import { BatchSampler } from './batch-sampler';
import { HeldOutEvaluator, heldOutFramesFor } from './held-out';
import type { FromWorker, StartMessage, ToWorker } from './protocol';
import { plainWeights, restoreSnapshot, snapshotTransfer, takeSnapshot } from './snapshot';
import { liveWeightsGate } from './live-weights';
import { openSource } from './source-spec';
import { Trainer } from './trainer';

const port = parentPort;
if (!port) throw new Error('train-worker: must run in a worker thread');

const control = new RunControl();
let started = false;

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

port.on('message', (msg: ToWorker) => {
  if (msg.type !== 'start') return applyCommand(control, msg);
  if (started) return post({ type: 'error', message: 'train-worker: already started' });
  started = true;
  control.begin();
  run(msg).catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
});

async function run(msg: StartMessage): Promise<void> {
  const cfg = msg.config;
  const backend = await initBackend({ allowNative: true, ...msg.backend });
  const seq = await openSource(msg.source);
  const tokenizer = new Tokenizer(cfg, seq.encoding);
  const trainer = new Trainer(tokenizer, cfg);
  if (msg.resume) restoreSnapshot(tokenizer, trainer, msg.resume);
  else if (msg.resumeFrom) await resumeTraining(msg.resumeFrom, tokenizer, trainer);
  const input = { height: seq.height, width: seq.width, channelNames: seq.channelNames, encoding: seq.encoding };
  const heldOut = heldOutFramesFor(cfg, seq.length);
  if (heldOut.length) trainer.heldOut = new HeldOutEvaluator(tokenizer, seq, heldOut, cfg.heldOutEvery!, cfg.steps);
  const sampler = new BatchSampler(seq, cfg.batchSize, cfg.crop, cfg.seed, tokenizer.arch.factor, heldOut);
  sampler.position = trainer.step; // a resumed run draws the batches the uninterrupted one would
  post({ type: 'started', backend, step: trainer.step, tokenGrid: tokenizer.tokenGrid(sampler.cropH, sampler.cropW) });

  const gate = progressGate(msg.progressHz ?? 4);
  const progress = (force: boolean, message?: string) => {
    if (!gate(force)) return;
    const p: TrainProgress = { state: control.state, metrics: trainer.history.at(-1), usage: trainer.usageHistogram(), message, reseeds: trainer.reseedLog() };
    post({ type: 'progress', progress: p }, p.usage ? [p.usage.buffer as ArrayBuffer] : []);
  };
  const checkpoint = async (final: boolean, id?: number) => {
    if (msg.checkpointPath) {
      const saved = await saveTrainingCheckpoint(msg.checkpointPath, tokenizer, trainer, { input });
      post({ type: 'checkpoint-saved', file: saved.file, step: trainer.step, sizeBytes: saved.sizeBytes, final });
    }
    const snapshot = await takeSnapshot(tokenizer, trainer);
    post({ type: 'checkpoint', snapshot, id, final }, snapshotTransfer(snapshot));
  };

  // Live weights for the views: the worker's own copy, read between steps and sent without copying.
  const liveDue = liveWeightsGate(msg.weightsEveryMs ?? 0);
  const postWeights = async () => {
    const weights = await plainWeights(tokenizer);
    post({ type: 'weights', step: trainer.step, weights }, Object.values(weights).map((p) => p.data.buffer as ArrayBuffer));
  };

  try {
    const reason = await control.run({
      totalSteps: cfg.steps,
      checkpointEvery: cfg.checkpointEvery,
      step: () => trainer.step,
      trainStep: async () => {
        await trainer.trainStep(await sampler.next());
        if (liveDue()) await postWeights();
      },
      checkpoint,
      progress,
    });
    post({ type: 'done', reason, step: trainer.step, metrics: trainer.history.at(-1) });
  } finally {
    trainer.dispose();
    tokenizer.dispose();
  }
}
