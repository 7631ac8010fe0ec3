import type { Command } from 'commander';
import * as path from 'node:path';
import type { DatasetIndex, DatasetScene } from '../data/dataset-index';
import { action, UsageError } from './errors';

/**
 * `tokenscope data PATH [--scene NAME] [--json]`: what a dataset holds, without a backend: its
 * scenes (name, split, frames, whether their time order is known) and, for one scene (or the only
 * one), its frames in order (index, sample token, timestamp, file). Warnings (unknown order…) go
 * to stderr as text, and into the JSON object with `--json`.
 */
export function registerData(program: Command): void {
  program
    .command('data')
    .argument('<path>', 'dataset root (annotations.json + gts/), its gts/ folder, or one scene folder')
    .description('list a dataset’s scenes (name, split, frames) and a scene’s frames in time order')
    .option('--scene <name>', 'list the frames of this scene')
    .option('--json', 'print one JSON object with "scenes" and "frames" arrays')
    .action(
      action('data', async (target: string, o: { scene?: string; json?: boolean }) => {
        const { findDataset } = await import('../data/dataset-listing');
        const { pickScene } = await import('../data/dataset-scene');
        const dir = path.resolve(target);
        const index = await findDataset(dir);
        if (!index) throw new UsageError(`${path.basename(dir)}: not a dataset (expected an Occ3D root with annotations.json and gts/, its gts/ folder or a scene folder)`);
        const scene = o.scene !== undefined || index.scenes.length === 1 ? pickScene(index, o.scene) : undefined;
        if (o.json) {
          process.stdout.write(JSON.stringify(listingJson(index, scene)) + '\n');
          return;
        }
        for (const w of index.warnings) process.stderr.write(`warning: ${w}\n`);
        process.stdout.write(scenesTable(index) + '\n');
        if (scene) process.stdout.write('\n' + framesTable(index, scene) + '\n');
      }),
    );
}

export function listingJson(index: DatasetIndex, scene?: DatasetScene): object {
  return {
    kind: index.kind,
    root: index.root,
    warnings: index.warnings,
    scenes: index.scenes.map((s) => ({ name: s.name, split: s.split ?? null, frames: s.frames.length, ordered: s.ordered })),
    scene: scene?.name ?? null,
    frames: (scene?.frames ?? []).map((f) => ({ index: f.index, token: f.token, timestampUs: f.timestampUs ?? null, path: f.path })),
  };
}

function scenesTable(index: DatasetIndex): string {
  const bySplit = new Map<string, number>();
  for (const s of index.scenes) bySplit.set(s.split ?? 'no split', (bySplit.get(s.split ?? 'no split') ?? 0) + 1);
  const splits = [...bySplit].map(([k, n]) => `${n} ${k}`).join(', ');
  const rows = index.scenes.map((s) => [s.name, s.split ?? '-', String(s.frames.length), s.ordered ? 'time' : 'unknown (name order)']);
  return [`${index.kind} dataset at ${index.root}: ${index.scenes.length} scene(s) (${splits})`, table(['scene', 'split', 'frames', 'order'], rows)].join('\n');
}

function framesTable(index: DatasetIndex, scene: DatasetScene): string {
  const head = scene.ordered ? `${scene.name}: ${scene.frames.length} frames in time order` : `${scene.name}: ${scene.frames.length} frames, time order UNKNOWN (listed by name)`;
  const rows = scene.frames.map((f) => [String(f.index), f.token, f.timestampUs === undefined ? '-' : String(f.timestampUs), path.relative(index.root, f.path)]);
  return [head, table(['index', 'sample token', 'timestamp (µs)', 'path'], rows)].join('\n');
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}
