import { Option } from 'commander';
import { windowLabel } from '../contract/metric-windows';
import type { Command } from 'commander';
import * as path from 'node:path';
import type { QuantizerKind, ReseedEvent, TrainConfig, TrainMetrics } from '../contract/index';
import { action } from './errors';
import { addDataOptions, formatBytes, openWorkspace } from './open-workspace';
import type { DataOptions } from './open-workspace';
import { floatOption, intListOption, intOption } from './options';
import { checkOutputFile, checkOutputFolder } from './output-paths';
import { ProgressBar } from './progress-bar';
import { occworldModelOptions, readOccWorldConfigFile } from './occworld-options';
import { addCompositeOptions, compositeQuantizerOptions, type CompositeCliOptions } from './composite-options';
import { addObjectiveOptions, objectiveColumns, objectiveQuantizerOptions, type ObjectiveOptions } from './objective-options';
import { addCodebookDynamicsOptions, codebookDynamicsQuantizer, codebookDynamicsTrain, reseedLine, type CodebookDynamicsOptions } from './codebook-dynamics-options';
import { addAssignmentOptions, assignmentFromOptions, assignmentMetricsText, type AssignmentOptions } from './assignment-options';
import { addTiTokOptions, titokModelOptions, type TiTokOptions } from './titok-options';
import { addAdversarialOptions, adversarialFromOptions, adversarialMetricsText, type AdversarialOptions } from './adversarial-options';

interface TrainOptions extends DataOptions, CompositeCliOptions, ObjectiveOptions, CodebookDynamicsOptions, AssignmentOptions, AdversarialOptions, TiTokOptions {
  steps: number;
  quantizer?: QuantizerKind;
  codebookSize?: number;
  levels?: number[];
  depth?: number;
  hidden?: number;
  latent?: number;
  stages?: number;
  lr?: number;
  batch?: number;
  crop?: number;
  seed?: number;
  checkpointEvery?: number;
  heldOutEvery?: number;
  resume?: string;
  arch?: 'reference' | 'occworld' | 'hierarchical' | 'titok';
  occworldConfig?: string;
  lovasz?: boolean;
  out?: string;
  export?: string;
  json?: boolean;
}

/** The partial config the options ask for (the workspace fills in and checks the rest). */
export function configFromOptions(o: TrainOptions): Partial<TrainConfig> {
  const cfg: Record<string, unknown> = { steps: o.steps };
  const model: Record<string, unknown> = {};
  if (o.hidden !== undefined) model.hidden = o.hidden;
  if (o.latent !== undefined) model.latentDim = o.latent;
  if (o.stages !== undefined) model.stages = o.stages;
  Object.assign(model, occworldModelOptions(o));
  Object.assign(model, titokModelOptions(o));
  if (Object.keys(model).length) cfg.model = model;
  const q: Record<string, unknown> = {};
  if (o.quantizer) q.kind = o.quantizer;
  if (o.codebookSize !== undefined) q.codebookSize = o.codebookSize;
  if (o.levels) q.levels = o.levels;
  if (o.depth !== undefined) q.depth = o.depth;
  Object.assign(q, compositeQuantizerOptions(o));
  Object.assign(q, objectiveQuantizerOptions(o));
  Object.assign(q, codebookDynamicsQuantizer(o));
  Object.assign(q, assignmentFromOptions(o));
  if (Object.keys(q).length) cfg.quantizer = q;
  Object.assign(cfg, codebookDynamicsTrain(o));
  if (o.lr !== undefined) cfg.learningRate = o.lr;
  if (o.batch !== undefined) cfg.batchSize = o.batch;
  if (o.crop !== undefined) cfg.crop = o.crop;
  if (o.seed !== undefined) cfg.seed = o.seed;
  if (o.checkpointEvery !== undefined) cfg.checkpointEvery = o.checkpointEvery;
  if (o.heldOutEvery !== undefined) cfg.heldOutEvery = o.heldOutEvery;
  const adversarial = adversarialFromOptions(o);
  if (adversarial) cfg.adversarial = adversarial;
  return cfg as Partial<TrainConfig>;
}

export function metricsLine(m: TrainMetrics): string {
  const parts = [
    `loss ${m.loss.toFixed(4)}`,
    `recon ${m.reconLoss.toFixed(4)}`,
    `ppl ${m.perplexity.toFixed(1)}`,
    `util ${(m.utilization * 100).toFixed(0)}%`,
    `dead ${m.deadCodes}`,
    // The window these three are over (contract/metric-windows.ts), as the app labels them.
    `(${windowLabel({ kind: 'batches', batches: m.healthBatches ?? m.healthWindow ?? 50, of: m.healthWindow ?? 50 })})`,
  ];
  if (m.miou !== undefined && Number.isFinite(m.miou)) parts.push(`mIoU ${m.miou.toFixed(3)}`);
  if (m.heldOutRecon !== undefined) {
    const miou = m.heldOutMiou !== undefined ? ` mIoU ${m.heldOutMiou.toFixed(3)}` : '';
    parts.push(`held-out recon ${m.heldOutRecon.toFixed(4)}${miou} (step ${m.heldOutStep ?? m.step})`);
  }
  parts.push(...objectiveColumns(m.quantLoss));
  parts.push(...assignmentMetricsText(m));
  const adversarial = adversarialMetricsText(m);
  if (adversarial) parts.push(adversarial);
  return parts.join('  ');
}

export function registerTrain(program: Command): void {
  const cmd = program
    .command('train')
    .argument('[data]', 'data file or folder (default: the embedded procedural driving scene)')
    .description('train a tokenizer and save a checkpoint')
    .option('--steps <n>', 'training steps', intOption(1), 200)
    .addOption(new Option('-q, --quantizer <kind>', 'quantizer').choices(['vq', 'fsq', 'lfq', 'bsq', 'rvq', 'gvq', 'rfsq', 'rlfq', 'mhvq']))
    .option('-K, --codebook-size <K>', 'codebook size (vq, rvq, gvq, mhvq per head)', intOption(2, 65_536))
    .option('--levels <list>', 'FSQ / residual FSQ levels, e.g. 8,5,5,5', intListOption)
    .option('--depth <n>', 'residual depth (rvq, rfsq, rlfq), groups (gvq) or heads (mhvq)', intOption(1, 16))
    .option('--hidden <n>', 'encoder/decoder width', intOption(1, 1024))
    .option('--latent <n>', 'latent (code) dimension', intOption(1, 1024))
    .option('--stages <n>', 'down-sampling stages (2 → 4×, 3 → 8×)', intOption(1, 5))
    .addOption(
      new Option('--arch <arch>', "network: TokenScope's reference conv net, OccWorld's VAERes2D, VQ-VAE-2's hierarchical top (8×) + bottom (4×) grids, or a TiTok-style 1D tokenizer")
        .choices(['reference', 'occworld', 'hierarchical', 'titok']),
    )
    .option('--occworld-config <file>', "OccWorld's model dict as JSON (config/train_vqvae.py's model = dict(...)), implies --arch occworld")
    .option('--no-lovasz', 'OccWorld: train without the Lovász-softmax term (10·CE + VQ loss only)')
    .option('--lr <x>', 'learning rate', floatOption(1e-7, 1))
    .option('--batch <n>', 'batch size', intOption(1, 1024))
    .option('--crop <n>', 'random crop side (0 = whole frames)', intOption(0))
    .option('--seed <n>', 'training seed', intOption(0))
    .option('--checkpoint-every <n>', 'also save a checkpoint every n steps (next to --out)', intOption(0))
    .option('--held-out-every <n>', 'evaluate recon (and mIoU) on held-out frames (every 6th frame, not trained on) every n steps and at the end; 0: off (default 50)', intOption(0))
    .option('--resume <checkpoint>', 'continue the run saved in this checkpoint (to --steps in total)')
    .option('-o, --out <file>', 'checkpoint to write (default: tokenscope-checkpoints/tokenizer-step<N>.ckpt)')
    .option('--export <dir>', 'also export for PyTorch into this folder')
    .option('--json', 'print the final metrics as JSON on stdout')
    .option('--split <name>', 'dataset data: train on every scene of this split (frames streamed from disk)');
  addCodebookDynamicsOptions(cmd);
  addAssignmentOptions(cmd);
  addAdversarialOptions(cmd);
  addTiTokOptions(cmd);
  addDataOptions(addObjectiveOptions(addCompositeOptions(cmd))).action(
    action('train', async (data: string | undefined, o: TrainOptions) => {
      const out = o.out ? await checkOutputFile(o.out, '-o', 'tokenizer.ckpt') : undefined;
      if (o.export) await checkOutputFolder(o.export, '--export');
      if (o.occworldConfig) o.occworldConfig = await readOccWorldConfigFile(o.occworldConfig);
      const ws = await openWorkspace(data, o, { checkpointDir: out ? path.dirname(out) : undefined });
      try {
        if (o.resume) await ws.openCheckpoint(o.resume);
        const bar = new ProgressBar('train', o.steps);
        let last: TrainMetrics | undefined;
        let reseeds: ReseedEvent[] | undefined;
        let failure: string | undefined;
        ws.on('trainProgress', (p) => {
          if (p.metrics) {
            last = p.metrics;
            bar.update(p.metrics.step, metricsLine(p.metrics));
          }
          if (p.reseeds) reseeds = p.reseeds;
          if (p.state === 'error') failure = p.message;
        });
        await ws.startTraining(configFromOptions(o), { resume: !!o.resume });
        // Ctrl-C ends the run after the current step; what was learned so far is still saved.
        const interrupt = () => void ws.stopTraining().catch(() => undefined);
        process.once('SIGINT', interrupt);
        try {
          await ws.waitForTraining();
        } finally {
          process.off('SIGINT', interrupt);
        }
        if (failure) throw new Error(`training failed: ${failure}`);
        bar.finish(last?.step ?? 0, last ? metricsLine(last) : '');
        // The worker picks its own backend (it may load what this thread did not): say so if it differs.
        const { backend, trainingBackend } = await ws.getStatus();
        if (trainingBackend && trainingBackend.name !== backend?.name) process.stderr.write(`trained on ${trainingBackend.name} (${trainingBackend.reason})\n`);
        const info = await ws.saveCheckpoint(out);
        process.stderr.write(`saved ${info.path} (${formatBytes(info.sizeBytes)}, step ${info.step})\n`);
        const reseedSummary = reseedLine(info.config.quantizer, reseeds);
        if (reseedSummary) process.stderr.write(`${reseedSummary}\n`);
        if (o.export) {
          const files = await ws.exportCheckpoint(path.resolve(o.export));
          process.stderr.write(`exported ${files.length} files to ${path.resolve(o.export)}\n`);
        }
        if (o.json) process.stdout.write(JSON.stringify({ checkpoint: info.path, step: info.step, metrics: last ?? null, backend: trainingBackend?.name ?? backend?.name ?? null }) + '\n');
        else if (last) process.stdout.write(`${info.path}\tstep ${last.step}\t${metricsLine(last)}\n`);
      } finally {
        await ws.dispose();
      }
    }),
  );
}
