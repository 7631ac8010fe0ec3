import { Option } from 'commander';
import type { Command } from 'commander';
import * as path from 'node:path';
import type { SceneEvaluation, VisibilityMask } from '../contract/index';
import type { Workspace } from '../service/workspace';
import { occupancyJson, occupancyTable } from './occupancy-table';
import { action } from './errors';
import { addDataOptions, openWorkspace, withJobProgress } from './open-workspace';
import type { DataOptions } from './open-workspace';
import { floatOption, intOption } from './options';
import { checkOutputFile } from './output-paths';
import { writePredictionsSidecar, type PredictionMode } from '../data/predictions-sidecar';
import { scoredCells } from '../engine/predict/steps-ahead';
import { alignmentWarning, describePredictions } from './prediction-alignment';

/**
 * `predict` (run a baseline world model on the tokenized data and write its predicted tokens) and
 * `evaluate` (score a predictions file against the data: token accuracy and decoded-frame
 * metrics per steps ahead).
 */
interface Row {
  horizon: number;
  accuracy: number;
  /** Copy-last-frame's token accuracy over the same target frames (null: no earlier frame). */
  copyLast: number | null;
  perRollout: number[];
  /** mIoU of the decoded prediction (class frames) or its MSE (continuous), mean over frames and rollouts. */
  decoded: number;
}

async function scoreTable(ws: Workspace): Promise<{ rows: Row[]; metric: 'mIoU' | 'MSE' }> {
  const acc = await ws.predictionHorizonAccuracy();
  const pv = ws.currentPredictions();
  const status = await ws.getStatus();
  const metric = status.source?.encoding.kind === 'classes' ? 'mIoU' : 'MSE';
  const sums = new Map<number, { sum: number; n: number }>();
  const length = status.source?.length ?? 0;
  for (const c of scoredCells(pv, length)) {
    const horizon = c.k;
    {
      // Sliding windows are fetched by frame and steps ahead − 1; rollouts by frame and rollout.
      const p = await ws.getPrediction(c.t, pv.mode === 'windows' ? c.j : c.r);
      const v = metric === 'mIoU' ? p.decoded.metrics.miou : p.decoded.metrics.mse;
      if (v === undefined || !Number.isFinite(v)) continue;
      const e = sums.get(horizon) ?? { sum: 0, n: 0 };
      e.sum += v;
      e.n += 1;
      sums.set(horizon, e);
    }
  }
  const rows = acc.horizon.map((h, i) => {
    const e = sums.get(h);
    return { horizon: h, accuracy: acc.mean[i]!, copyLast: acc.copyLast?.[i] ?? null, perRollout: acc.perRollout.map((r) => r[i]!), decoded: e ? e.sum / e.n : NaN };
  });
  return { rows, metric };
}

/** Occ3D height-folded data: the benchmark's scores of the tokenizer's reconstruction over the scene. */
async function occupancyEvaluation(ws: Workspace): Promise<SceneEvaluation | null> {
  const enc = (await ws.getStatus()).source?.encoding;
  if (enc?.kind !== 'classes' || enc.freeClass === undefined || enc.groups < 2) return null;
  return withJobProgress(ws, 'evaluate', () => ws.evaluateScene());
}

function printTable(title: string, rows: Row[], metric: string): void {
  const rollouts = rows[0]?.perRollout.length ?? 0;
  const head = ['steps ahead', 'token acc', 'copy-last acc', ...(rollouts > 1 ? Array.from({ length: rollouts }, (_, r) => `rollout ${r}`) : []), `decoded ${metric}`];
  const lines = [title, head.join('\t')];
  for (const r of rows) {
    lines.push(
      [String(r.horizon), r.accuracy.toFixed(4), r.copyLast === null ? '-' : r.copyLast.toFixed(4), ...(rollouts > 1 ? r.perRollout.map((a) => a.toFixed(4)) : []), Number.isFinite(r.decoded) ? r.decoded.toFixed(4) : '-'].join('\t'),
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}

export function registerPredictCommands(program: Command): void {
  addDataOptions(
    program
      .command('predict')
      .argument('<checkpoint>', 'tokenizer checkpoint file or export folder')
      .argument('[data]', 'data file or folder (default: the procedural scene)')
      .description('train a baseline next-frame token predictor on the tokenized data, roll it out, and write the predicted tokens as .npy')
      .requiredOption('-o, --out <file>', 'predictions .npy ([T, h, w], or [R, T, h, w] for several rollouts)')
      .addOption(new Option('--baseline <kind>', 'transformer (learned) or copy (repeat the last frame)').choices(['transformer', 'copy']).default('transformer'))
      .option('--steps <n>', 'predictor training steps', intOption(0), 150)
      .option('--context <k>', 'previous frames the predictor sees', intOption(1, 16), 2)
      .option('--horizon <n>', 'frames to roll out (default: to the end of the data)', intOption(1))
      .option('--rollouts <n>', 'sampled rollouts', intOption(1, 64), 1)
      .option('--temperature <t>', 'sampling temperature (0 = argmax)', floatOption(0, 100), 0)
      .option('--top-k <k>', 'sample among the k most likely codes', intOption(1))
      .option('--seed <n>', 'seed', intOption(0), 0)
      .option('--json', 'print the accuracy table as JSON'),
  ).action(
    action(
      'predict',
      async (
        checkpoint: string,
        data: string | undefined,
        o: DataOptions & { out: string; baseline: 'transformer' | 'copy'; steps: number; context: number; horizon?: number; rollouts: number; temperature: number; topK?: number; seed: number; json?: boolean },
      ) => {
        await checkOutputFile(o.out, '-o');
        const ws = await openWorkspace(data, o);
        try {
          await ws.openCheckpoint(checkpoint);
          const opts = {
            kind: o.baseline,
            steps: o.steps,
            context: o.context,
            rollouts: o.rollouts,
            temperature: o.temperature,
            seed: o.seed,
            ...(o.horizon !== undefined ? { horizon: o.horizon } : {}),
            ...(o.topK !== undefined ? { topK: o.topK } : {}),
          };
          const info = await withJobProgress(ws, o.baseline === 'copy' ? 'predict' : 'train predictor', () => ws.trainBaselinePredictor(opts));
          const pv = ws.currentPredictions();
          const { writePredictions } = await import('../data/predictions');
          const out = path.resolve(o.out);
          await writePredictions(out, { tokens: pv.data, rollouts: pv.rollouts, frames: pv.frames, h: pv.h, w: pv.w, depth: pv.depth });
          // Beside it, where it starts and what it is, so `evaluate` scores it against the right frames.
          await writePredictionsSidecar(out, { offset: pv.startFrame, mode: pv.mode });
          process.stderr.write(`wrote ${out}: ${info.rollouts} rollout(s) × ${info.frames} frames, starting at frame ${pv.startFrame}\n`);
          const table = await scoreTable(ws);
          if (o.json) {
            process.stdout.write(JSON.stringify({ file: out, startFrame: pv.startFrame, ...info, rows: table.rows }) + '\n');
          } else {
            printTable(`${info.source} — predictions start at frame ${pv.startFrame} (use --offset ${pv.startFrame} with evaluate)`, table.rows, table.metric);
          }
        } finally {
          await ws.dispose();
        }
      },
    ),
  );

  addDataOptions(
    program
      .command('evaluate')
      .argument('<checkpoint>', 'tokenizer checkpoint file or export folder (its codebook decodes the predictions)')
      .argument('<predictions>', 'predicted tokens .npy: [T, h, w], [T, h, w, depth], [R, T, h, w] or [R, T, h, w, depth]')
      .argument('[data]', 'the true data (default: the procedural scene)')
      .description('score predicted tokens against the data: token accuracy and decoded-frame metrics per steps ahead')
      .option('--offset <n>', "sequence frame (0-based) of the first predicted frame (default: the offset `predict` recorded in <predictions>.json, else 0 with a warning)", intOption(0))
      .addOption(
        new Option('--mode <mode>', "what the file holds: rollout (one rollout from the offset; [R, ...] = sampled rollouts), one-step (every frame predicted from the true ones before it, as OccWorld reports), windows ([S, H, ...]: a window of H frames from every start offset+s) (default: the side file's, else rollout)").choices(['rollout', 'one-step', 'windows']),
      )
      .addOption(new Option('--mask <kind>', 'Occ3D data: voxels the per-class table of the reconstruction counts (as the benchmark: camera)').choices(['camera', 'lidar', 'none']).default('camera'))
      .option('--json', 'print the table as JSON'),
  ).action(
    action('evaluate', async (checkpoint: string, predictions: string, data: string | undefined, o: DataOptions & { offset?: number; mode?: PredictionMode; json?: boolean; mask: VisibilityMask }) => {
      const ws = await openWorkspace(data, o);
      try {
        await ws.openCheckpoint(checkpoint);
        const info = await withJobProgress(ws, 'encode', () =>
          ws.importPredictions(path.resolve(predictions), { ...(o.offset !== undefined ? { offset: o.offset } : {}), ...(o.mode ? { mode: o.mode } : {}) }),
        );
        const length = (await ws.getStatus()).source?.length ?? 0;
        const warning = alignmentWarning(info, length);
        if (warning) process.stderr.write(`warning: ${warning}\n`);
        const offset = info.startFrame ?? 0;
        const table = await scoreTable(ws);
        const occ = await occupancyEvaluation(ws);
        if (o.json) process.stdout.write(JSON.stringify({ ...info, offset, ...(warning ? { warning } : {}), rows: table.rows, ...(occ ? { reconstruction: occupancyJson(occ, o.mask) } : {}) }) + '\n');
        else {
          printTable(`${path.basename(predictions)}: ${describePredictions(info)} (aligned by ${info.alignedBy})`, table.rows, table.metric);
          if (occ) process.stdout.write(occupancyTable(occ, o.mask) + '\n');
        }
      } finally {
        await ws.dispose();
      }
    }),
  );
}
