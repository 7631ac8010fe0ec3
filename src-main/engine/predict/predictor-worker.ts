/**
 * The predictor's training worker thread: owns the backend and a PredictorTrainingLoop and talks
 * to its PredictorTrainingJob only through predictor-protocol.ts, like the tokenizer's worker.
 */
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../backend/init-backend';
import { applyCommand } from '../jobs/job-protocol';
import type { FromPredictorWorker, PredictorStartMessage, ToPredictorWorker } from './predictor-protocol';
import type { PredictorSnapshot } from './predictor-snapshot';
import { PredictorTrainingLoop } from './predictor-training';

const port = parentPort;
if (!port) throw new Error('predictor-worker: must run in a worker thread');

let loop: PredictorTrainingLoop | null = null;
let started = false;
/** Commands that arrive while the loop is still being built are replayed on it. */
const early: ToPredictorWorker[] = [];

function post(msg: FromPredictorWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

function apply(msg: ToPredictorWorker): void {
  if (!loop) {
    early.push(msg);
    return;
  }
  if (msg.type !== 'start') applyCommand(loop, msg);
}

port.on('message', (msg: ToPredictorWorker) => {
  if (msg.type !== 'start') return apply(msg);
  if (started) return post({ type: 'error', message: 'predictor-worker: already started' });
  started = true;
  run(msg).catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
});

function snapshotTransfer(s: PredictorSnapshot): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const p of [...Object.values(s.weights), ...Object.values(s.optimizer?.tensors ?? {})]) out.push(p.data.buffer as ArrayBuffer);
  return out;
}

async function run(msg: PredictorStartMessage): Promise<void> {
  const backend = await initBackend({ allowNative: true, ...msg.backend });
  loop = new PredictorTrainingLoop(msg.volumes, msg.model, msg.options, msg.resume);
  for (const m of early.splice(0)) apply(m);
  post({ type: 'started', backend, step: loop.step, config: loop.model.config, parameters: loop.model.parameterCount() });
  try {
    const done = await loop.run({
      onProgress: (progress) => post({ type: 'progress', progress }),
      onCheckpoint: (snapshot, info) => post({ type: 'checkpoint', snapshot, ...info }, snapshotTransfer(snapshot)),
    });
    post({ type: 'done', ...done });
  } finally {
    loop.dispose();
    loop.disposeModel();
  }
}
