/**
 * The training worker thread: owns the backend, tokenizer and trainer, runs steps until the
 * configured count or a stop, and talks to its TrainingJob only through the messages of
 * protocol.ts. Progress is throttled (a person reads a few updates a second; the IPC does not
 * need one message per step). Checkpoints leave as snapshots the calling side saves.
 */
import { parentPort } from 'node:worker_threads';
import type { TrainProgress, TrainState } from '../../contract';
import { initBackend } from '../backend/init-backend';
import { resumeTraining, saveTrainingCheckpoint } from '../checkpoint/training-checkpoint';
import { Tokenizer } from '../tokenizer';
import { BatchSampler } from './batch-sampler';
import type { FromWorker, StartMessage, ToWorker } from './protocol';
import { restoreSnapshot, snapshotTransfer, takeSnapshot } from './snapshot';
import { openSource } from './source-spec';
import { Trainer } from './trainer';

const port = parentPort;
if (!port) throw new Error('train-worker: must run in a worker thread');

let state: TrainState = 'idle';
let stopRequested = false;
let wake: (() => void) | null = null;
const checkpointRequests: number[] = [];

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

function wakeUp(): void {
  const w = wake;
  wake = null;
  w?.();
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'start':
      if (state !== 'idle') return post({ type: 'error', message: 'train-worker: already started' });
      state = 'running';
      run(msg).catch((err: unknown) => {
        state = 'error';
        post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      });
      break;
    case 'pause':
      if (state === 'running') state = 'paused';
      break;
    case 'resume':
      if (state === 'paused') state = 'running';
      wakeUp();
      break;
    case 'stop':
      stopRequested = true;
      if (state === 'running' || state === 'paused') state = 'stopping';
      wakeUp();
      break;
    case 'checkpoint-requested':
      checkpointRequests.push(msg.id);
      wakeUp();
      break;
  }
});

/** Lets queued messages (pause, stop…) in between steps: awaiting tensor reads alone may not. */
const yieldToEvents = () => new Promise<void>((r) => setImmediate(r));

async function run(msg: StartMessage): Promise<void> {
  const cfg = msg.config;
  const backend = await initBackend({ allowNative: true, ...msg.backend });
  const seq = await openSource(msg.source);
  const tokenizer = new Tokenizer(cfg, seq.encoding);
  const trainer = new Trainer(tokenizer, cfg);
  if (msg.resume) restoreSnapshot(tokenizer, trainer, msg.resume);
  else if (msg.resumeFrom) await resumeTraining(msg.resumeFrom, tokenizer, trainer);
  const input = { height: seq.height, width: seq.width, channelNames: seq.channelNames, encoding: seq.encoding };
  const sampler = new BatchSampler(seq, cfg.batchSize, cfg.crop, cfg.seed, tokenizer.arch.factor);
  sampler.position = trainer.step; // a resumed run draws the batches the uninterrupted one would
  post({ type: 'started', backend, step: trainer.step, tokenGrid: tokenizer.tokenGrid(sampler.cropH, sampler.cropW) });

  const minGapMs = 1000 / Math.min(Math.max(msg.progressHz ?? 4, 0.1), 4);
  let lastProgress = -Infinity;
  const progress = (force: boolean, message?: string) => {
    const now = performance.now();
    if (!force && now - lastProgress < minGapMs) return;
    lastProgress = now;
    const p: TrainProgress = { state, metrics: trainer.history.at(-1), usage: trainer.usageHistogram(), message };
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

  try {
    progress(true, 'started');
    while (trainer.step < cfg.steps && !stopRequested) {
      while (checkpointRequests.length) await checkpoint(false, checkpointRequests.shift());
      if (state === 'paused') {
        progress(true, 'paused');
        await new Promise<void>((r) => (wake = r));
        if ((state as TrainState) === 'running') progress(true, 'resumed');
        continue;
      }
      await trainer.trainStep(await sampler.next());
      progress(false);
      if (cfg.checkpointEvery > 0 && trainer.step % cfg.checkpointEvery === 0 && trainer.step < cfg.steps) await checkpoint(false);
      await yieldToEvents();
    }
    while (checkpointRequests.length) await checkpoint(false, checkpointRequests.shift());
    const reason = stopRequested ? 'stopped' : 'completed';
    await checkpoint(true);
    state = 'done';
    progress(true, reason);
    post({ type: 'done', reason, step: trainer.step, metrics: trainer.history.at(-1) });
  } finally {
    trainer.dispose();
    tokenizer.dispose();
  }
}
