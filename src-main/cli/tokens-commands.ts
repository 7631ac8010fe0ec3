import type { Command } from 'commander';
import { tokenFileShape } from '../engine/titok/token-file-shape';
import * as path from 'node:path';
import { action, UsageError } from './errors';
import { addDataOptions, formatBytes, openWorkspace, withJobProgress } from './open-workspace';
import type { DataOptions } from './open-workspace';
import { checkOutputFile, checkOutputFolder } from './output-paths';
import { ProgressBar } from './progress-bar';
import { CONFIG_HELP, configOption } from './torch-config-option';
import { intOption } from './options';
import { encodeDatasetToFolder, wantsDatasetEncode, type DatasetEncodeCliOptions } from './encode-dataset';

/** `encode`, `decode` and `export`: a checkpoint applied to data, results written as files. */
export function registerTokenCommands(program: Command): void {
  addDataOptions(
    program
      .command('encode')
      .argument('<checkpoint>', 'checkpoint file, export folder or PyTorch .pth')
      .argument('[data]', 'data file or folder (default: the procedural scene)')
      .description('encode every frame to token ids and write them as .npy int32 [T, h, w] (or [T, h, w, depth]); a dataset with scenes and -o DIR: one file per scene + index.json')
      .requiredOption('-o, --out <file>', 'output .npy (or a folder for a whole dataset)')
      .option('--split <name>', 'whole dataset: only the scenes of this split (train, val, …)')
      .option('--max-memory <MiB>', 'whole dataset: bound on the frames in flight', intOption(64), 2048)
      .option('--workers <n>', 'whole dataset: inference worker threads', intOption(1, 64))
      .option('--config <file>', CONFIG_HELP),
  ).action(
    action('encode', async (checkpoint: string, data: string | undefined, o: DataOptions & DatasetEncodeCliOptions & { out: string; config?: string }) => {
      if (await wantsDatasetEncode(data, o)) {
        await checkOutputFolder(o.out, '-o');
        return encodeDatasetToFolder(checkpoint, data!, o);
      }
      await checkOutputFile(o.out, '-o');
      const ws = await openWorkspace(data, o);
      try {
        await ws.openCheckpoint(checkpoint, configOption(o));
        const tokens = await withJobProgress(ws, 'encode', () => ws.encodeAll());
        const { writeTokenDataset } = await import('../engine/checkpoint/export');
        // A 1D (titok) tokenizer's file is [T, N].
        const shape = tokenFileShape((await ws.getStatus()).checkpoint?.config.model ?? {}, tokens);
        const out = path.resolve(o.out);
        await writeTokenDataset(out, tokens.indices, shape);
        process.stdout.write(`${out}\t[${shape.join(', ')}] int32\n`);
        if (tokens.engine) process.stderr.write(`encoded ${tokens.frames} frames with ${tokens.engine}\n`);
      } finally {
        await ws.dispose();
      }
    }),
  );

  program
    .command('decode')
    .argument('<checkpoint>', 'checkpoint file, export folder or PyTorch .pth')
    .argument('<tokens>', '.npy of integer token ids [T, h, w] (or [T, h, w, depth])')
    .description('decode token ids to frames: class maps uint8 [T, 1, H, W] for class maps, voxel class ids uint8 [T, X, Y, Z] for occupancy, values float32 [T, C, H, W] otherwise')
    .requiredOption('-o, --out <file>', 'output .npy')
    .option('--config <file>', CONFIG_HELP)
    .action(
      action('decode', async (checkpoint: string, tokensFile: string, o: { out: string; config?: string }) => {
        await checkOutputFile(o.out, '-o');
        const { readNpy, writeNpy } = await import('../data/npy');
        const { decodeTokenFile } = await import('../service/decode-token-file');
        const tokens = path.resolve(tokensFile);
        // Read once here to refuse a bad file before TensorFlow.js starts; decodeTokenFile reads it again (small, bounded).
        const arr = await readNpy(tokens);
        if (arr.dtype.startsWith('float')) throw new UsageError(`${path.basename(tokensFile)}: token ids must be integers, not ${arr.dtype}`);
        const ws = await openWorkspace(undefined, {});
        try {
          await ws.openCheckpoint(checkpoint, configOption(o));
          const frames = arr.shape[0] ?? 0;
          const bar = new ProgressBar('decode', frames);
          const result = await decodeTokenFile(ws, tokens, (done) => (done >= frames ? bar.finish(done) : bar.update(done)));
          const out = path.resolve(o.out);
          await writeNpy(out, result.data, result.shape);
          process.stdout.write(`${out}\t[${result.shape.join(', ')}] ${result.data instanceof Uint8Array ? 'uint8' : 'float32'}\n`);
        } finally {
          await ws.dispose();
        }
      }),
    );

  addDataOptions(
    program
      .command('export')
      .argument('<checkpoint>', 'checkpoint file')
      .argument('[dir]', 'folder to write model.safetensors, config.json, codebook.npy and tokens.npy into')
      .description(
        'export a tokenizer for PyTorch (safetensors with PyTorch names and layouts) plus the token dataset of the data; ' +
          'with --train-kit, a self-contained PyTorch DDP training kit (train.py, torchrun command line) instead',
      )
      .option('--data <path>', 'data whose tokens to export, or to train on with --train-kit (default: the procedural scene)')
      .option('--train-kit <dir>', 'write a training kit for torchrun into this new folder')
      .option('--steps <n>', 'steps in the kit\'s ready command line', intOption(1))
      .option('--processes <n>', 'processes per node in the kit\'s ready command line', intOption(1))
      .option('--split <name>', 'Occ3D split the kit trains on (train, val)')
      .option('--config <file>', CONFIG_HELP)
      .option('--no-tokens', 'leave tokens.npy out (else data the tokenizer cannot read is an error)')
      .option('--onnx', 'also write encoder.onnx: frames [N, C, H, W] → token ids and errors [N, h, w], for ONNX Runtime, TensorRT… (reference-architecture, OccWorld VAERes2D, hierarchical VQ-VAE-2 and TiTok tokenizers; ids [N, h, w, 2] for VQ-VAE-2, [N, 1, tokens] for TiTok, whose frame size is fixed)'),
  ).action(
    action('export', async (checkpoint: string, dir: string | undefined, o: DataOptions & { data?: string; config?: string; tokens: boolean; onnx?: boolean; trainKit?: string; steps?: number; processes?: number; split?: string }) => {
      if (!dir && !o.trainKit) throw new UsageError('export needs a folder: `export CHECKPOINT DIR`, or `export CHECKPOINT --train-kit DIR`');
      if (dir) await checkOutputFolder(dir, 'export folder');
      if (o.trainKit) await checkOutputFolder(o.trainKit, 'training kit folder');
      const ws = await openWorkspace(o.data, o);
      try {
        await ws.openCheckpoint(checkpoint, configOption(o));
        const { stat } = await import('node:fs/promises');
        if (dir) {
          const files = await withJobProgress(ws, 'encode', () => ws.exportCheckpoint(path.resolve(dir), { tokens: o.tokens, ...(o.onnx ? { onnx: true } : {}) }));
          for (const f of files) process.stdout.write(`${f}\t${formatBytes((await stat(f)).size)}\n`);
        }
        if (o.trainKit) {
          const kit = await ws.exportTrainKit(path.resolve(o.trainKit), { steps: o.steps, processes: o.processes, split: o.split });
          for (const f of kit.files) process.stdout.write(`${f}\t${formatBytes((await stat(f)).size)}\n`);
          process.stderr.write(`training kit ready; run:\n  ${kit.command}\n`);
        }
      } finally {
        await ws.dispose();
      }
    }),
  );
}
