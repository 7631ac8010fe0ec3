import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { FrameSequence } from '../data/frame';
import { encodeNpy } from '../data/npy';
import { exportForPyTorch } from '../engine/checkpoint/export';
import { writeTrainKit, type KitData, type TrainKitResult } from '../engine/checkpoint/train-kit';
import type { SourceSpec } from '../engine/train/source-spec';
import { inputDescription, type TokenizerSession } from './tokenizer-session';

/** Frames copied into a kit at most (bigger sources must be ones train.py opens itself). */
const MAX_KIT_FRAMES_BYTES = 1024 ** 3;

/**
 * The kit for a session's tokenizer and the open source: an Occ3D-nuScenes root is referenced
 * (train.py reads it through annotations.json); any other source is written into the kit as the
 * frames TokenScope sees, `frames.npy` `[T, C, H, W]`, so that the kit trains on exactly them.
 */
export async function exportTrainKitFor(
  s: TokenizerSession,
  src: { seq: FrameSequence; spec: SourceSpec; name: string },
  dir: string,
  opts: { steps?: number; processes?: number; split?: string } = {},
): Promise<TrainKitResult> {
  const { seq } = src;
  if (s.config.model.arch === 'hierarchical') {
    // train.py trains the reference net's twin; a kit for VQ-VAE-2 would train another model.
    throw new Error('exportTrainKit: the training kit (train.py) has no hierarchical (VQ-VAE-2) model yet; export the tokenizer instead (its twin is resources/pytorch/tokenscope_hierarchical.py)');
  }
  const occ3dRoot = src.spec.kind === 'path' ? await occ3dRootOf(src.spec.path) : null;
  const frameBytes = seq.length * seq.channels * seq.height * seq.width * 4;
  let data: KitData;
  if (occ3dRoot) {
    data = { kind: 'path', file: occ3dRoot, frames: seq.length, description: `the Occ3D-nuScenes dataset at ${occ3dRoot}`, ...(opts.split ? { split: opts.split } : {}) };
  } else {
    if (frameBytes > MAX_KIT_FRAMES_BYTES) {
      throw new Error(
        `exportTrainKit: ${src.name} is ${(frameBytes / 1024 ** 3).toFixed(1)} GiB as frames, too large to copy into the kit; ` +
          'open an Occ3D-nuScenes root (train.py reads it directly) or pass --data to train.py',
      );
    }
    data = { kind: 'frames', file: 'frames.npy', frames: seq.length, description: `${seq.length} frames of ${src.name} as TokenScope sees them (frames.npy, [T, C, H, W] float32)` };
  }
  const writeData = async (into: string) => {
    if (data.kind !== 'frames') return;
    const per = seq.channels * seq.height * seq.width;
    const all = new Float32Array(seq.length * per);
    for (let i = 0; i < seq.length; i++) all.set((await seq.getFrame(i)).data, i * per);
    await fs.writeFile(path.join(into, 'frames.npy'), encodeNpy(all, [seq.length, seq.channels, seq.height, seq.width]));
  };
  const cfg = { ...s.config, steps: opts.steps ?? s.config.steps };
  // The kit's train.py implements the hard VQ rules only: say so rather than train something else.
  const assignment = cfg.quantizer.assignment ?? 'hard';
  if (assignment !== 'hard') throw new Error(`exportTrainKit: the training kit trains hard VQ only; this tokenizer trains with ${assignment} assignment (export the model instead)`);
  return writeTrainKit(dir, data, (into) => exportForPyTorch(s.tokenizer, cfg, into, inputDescription(seq)), writeData, opts);
}

/** The Occ3D-nuScenes root a source path belongs to (the folder holding annotations.json), if any. */
async function occ3dRootOf(p: string): Promise<string | null> {
  let dir = path.resolve(p);
  for (let i = 0; i < 4; i++) {
    try {
      if ((await fs.stat(path.join(dir, 'annotations.json'))).isFile()) return dir;
    } catch {
      // not here: look one folder up
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}
