import type { Command } from 'commander';
import type { Workspace } from '../service/workspace';
import { bannerLine } from './banner';
import { intOption } from './options';
import { addLidarOptions, lidarOpenOptions, type LidarCliOptions } from './lidar-options';
import { VERSION } from './paths';

export { formatBytes } from '../data/memory-budget';

/**
 * What the CLI's commands share: where the data comes from (a path, else the procedural scene
 * with its options) and a workspace with the backend banner printed on stderr.
 */
export interface DataOptions extends LidarCliOptions {
  frames?: number;
  size?: number;
  sceneSeed?: number;
  /** A dataset's scene (Occ3D root, gts/ or scene folder). */
  scene?: string;
  /** Express every frame in the ego frame of this one (ego poses from the data). */
  alignTo?: number;
  /** A dataset's whole split as the data (train on many scenes). */
  split?: string;
}

export function addDataOptions(cmd: Command): Command {
  return addLidarOptions(cmd)
    .option('--frames <n>', 'procedural scene: number of frames (when no data is given)', intOption(1, 10_000))
    .option('--size <n>', 'procedural scene: grid side in cells', intOption(16, 1024))
    .option('--scene-seed <n>', 'procedural scene: seed', intOption(0))
    .option('--scene <name>', 'dataset data: the scene to use (see `tokenscope data PATH`; default: the first)')
    .option('--align-to <frame>', 'data with ego poses: express every frame in the ego frame of this frame (removes ego motion)', intOption(0));
}

export async function openWorkspace(data: string | undefined, opts: DataOptions, extra: { checkpointDir?: string } = {}): Promise<Workspace> {
  // Loaded here so that `--help` doesn't wait for TensorFlow.js.
  const { createWorkspace } = await import('../service/workspace');
  const procedural: { seed?: number; frames?: number; size?: number } = {};
  if (opts.sceneSeed !== undefined) procedural.seed = opts.sceneSeed;
  if (opts.frames !== undefined) procedural.frames = opts.frames;
  if (opts.size !== undefined) procedural.size = opts.size;
  const ws = await createWorkspace({ allowNative: true, openDefault: !data, procedural, ...extra });
  process.stderr.write(bannerLine((await ws.getStatus()).backend, VERSION) + '\n');
  const open = {
    ...(opts.scene !== undefined ? { scene: opts.scene } : {}),
    ...(opts.split !== undefined ? { split: opts.split } : {}),
    ...(opts.alignTo !== undefined ? { alignTo: opts.alignTo } : {}),
    ...lidarOpenOptions(opts),
  };
  if (data) {
    const info = await ws.openPath(data, open);
    for (const w of info.warnings ?? []) process.stderr.write(`warning: ${w}
`);
    // A dataset whose order is unknown says so (no silent guess presented as time).
    for (const w of info.dataset?.warnings ?? []) if (!(info.warnings ?? []).includes(w)) process.stderr.write(`warning: ${w}
`);
  }
  else if (opts.scene !== undefined || opts.split !== undefined || opts.alignTo !== undefined) throw new Error('--scene, --split and --align-to need a data path');
  return ws;
}

/** Shows the workspace's job progress (encoding a sequence…) as a progress bar on stderr. */
export async function withJobProgress<T>(ws: Workspace, label: string, work: () => Promise<T>): Promise<T> {
  const { ProgressBar } = await import('./progress-bar');
  // One bar per job (encoding the data, then training a predictor…), each labelled with its job.
  let bar: InstanceType<typeof ProgressBar> | null = null;
  let job = '';
  const off = ws.on('jobProgress', (p) => {
    if (!bar || p.job !== job) {
      job = p.job;
      bar = new ProgressBar(p.job || label, p.total);
    }
    if (p.done >= p.total) bar.finish(p.done, p.message ?? '');
    else bar.update(p.done, p.message ?? '');
  });
  try {
    return await work();
  } finally {
    off();
  }
}
