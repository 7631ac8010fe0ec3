import type { Command } from 'commander';
import * as path from 'node:path';
import { action, UsageError } from './errors';
import { addDataOptions, formatBytes, openWorkspace, withJobProgress } from './open-workspace';
import type { DataOptions } from './open-workspace';
import { ProgressBar } from './progress-bar';

/** `encode`, `decode` and `export`: a checkpoint applied to data, results written as files. */
export function registerTokenCommands(program: Command): void {
  addDataOptions(
    program
      .command('encode')
      .argument('<checkpoint>', 'checkpoint file or export folder')
      .argument('[data]', 'data file or folder (default: the procedural scene)')
      .description('encode every frame to token ids and write them as .npy int32 [T, h, w] (or [T, h, w, depth])')
      .requiredOption('-o, --out <file>', 'output .npy'),
  ).action(
    action('encode', async (checkpoint: string, data: string | undefined, o: DataOptions & { out: string }) => {
      const ws = await openWorkspace(data, o);
      try {
        await ws.openCheckpoint(checkpoint);
        const tokens = await withJobProgress(ws, 'encode', () => ws.encodeAll());
        const { writeTokenDataset } = await import('../engine/checkpoint/export');
        const shape = tokens.depth === 1 ? [tokens.frames, tokens.h, tokens.w] : [tokens.frames, tokens.h, tokens.w, tokens.depth];
        const out = path.resolve(o.out);
        await writeTokenDataset(out, tokens.indices, shape);
        process.stdout.write(`${out}\t[${shape.join(', ')}] int32\n`);
      } finally {
        await ws.dispose();
      }
    }),
  );

  program
    .command('decode')
    .argument('<checkpoint>', 'checkpoint file or export folder')
    .argument('<tokens>', '.npy of integer token ids [T, h, w] (or [T, h, w, depth])')
    .description('decode token ids to frames: class maps uint8 [T, groups, H, W] for class data, values float32 [T, C, H, W] otherwise')
    .requiredOption('-o, --out <file>', 'output .npy')
    .action(
      action('decode', async (checkpoint: string, tokensFile: string, o: { out: string }) => {
        const { readNpy, toInt32, writeNpy } = await import('../data/npy');
        const arr = await readNpy(path.resolve(tokensFile));
        if (arr.dtype.startsWith('float')) throw new UsageError(`${path.basename(tokensFile)}: token ids must be integers, not ${arr.dtype}`);
        const ws = await openWorkspace(undefined, {});
        try {
          await ws.openCheckpoint(checkpoint);
          const frames = arr.shape[0] ?? 0;
          const bar = new ProgressBar('decode', frames);
          const result = await ws.decodeTokenArray(toInt32(arr), arr.shape, (done) => (done >= frames ? bar.finish(done) : bar.update(done)));
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
      .argument('<dir>', 'folder to write model.safetensors, config.json, codebook.npy and tokens.npy into')
      .description('export a tokenizer for PyTorch (safetensors with PyTorch names and layouts) plus the token dataset of the data')
      .option('--data <path>', 'data whose tokens to export (default: the procedural scene)')
      .option('--no-tokens', 'leave tokens.npy out (else data the tokenizer cannot read is an error)'),
  ).action(
    action('export', async (checkpoint: string, dir: string, o: DataOptions & { data?: string; tokens: boolean }) => {
      const ws = await openWorkspace(o.data, o);
      try {
        await ws.openCheckpoint(checkpoint);
        const files = await withJobProgress(ws, 'encode', () => ws.exportCheckpoint(path.resolve(dir), { tokens: o.tokens }));
        const { stat } = await import('node:fs/promises');
        for (const f of files) process.stdout.write(`${f}\t${formatBytes((await stat(f)).size)}\n`);
      } finally {
        await ws.dispose();
      }
    }),
  );
}
