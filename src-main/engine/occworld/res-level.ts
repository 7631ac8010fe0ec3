import * as tf from '@tensorflow/tfjs-core';
import { AttnBlock } from './attn-block';
import type { ParamStore } from './param-store';
import { ResnetBlock } from './resnet-block';

/**
 * One resolution level of Encoder2D / Decoder2D: num_res_blocks ResnetBlocks, each followed by
 * an AttnBlock when the level has attention, then (not on the last level) a resampling conv
 * named `resample` (`down.{i}.downsample.conv` or `up.{i}.upsample.conv`).
 */
export interface ResLevel {
  blocks: ResnetBlock[];
  attns: AttnBlock[];
  resample?: string;
}

/**
 * Runs `f`, and at inference inside its own tidy: an enclosing tidy frees intermediates only at
 * its end, so a 200×200 frame's encode would otherwise hold every block's activations at once.
 * In training the tape keeps what the backward pass needs anyway.
 */
export function blockScope(training: boolean, f: () => tf.Tensor4D): tf.Tensor4D {
  return training ? f() : tf.tidy(f);
}

/** The blocks (and attention) of a level; the caller resamples. */
export function runLevelBlocks(level: ResLevel, h: tf.Tensor4D, training: boolean): tf.Tensor4D {
  level.blocks.forEach((block, j) => {
    const x = h;
    h = blockScope(training, () => block.forward(x, training));
    const y = h;
    if (level.attns.length > 0) h = blockScope(training, () => level.attns[j]!.forward(y));
  });
  return h;
}

/** taming's `mid`: block_1, attn_1, block_2 at the lowest resolution. */
export class MidBlock {
  private readonly parts: [ResnetBlock, AttnBlock, ResnetBlock];

  constructor(store: ParamStore, prefix: string, c: number, dropout: number) {
    this.parts = [
      new ResnetBlock(store, `${prefix}.mid.block_1`, c, c, dropout),
      new AttnBlock(store, `${prefix}.mid.attn_1`, c),
      new ResnetBlock(store, `${prefix}.mid.block_2`, c, c, dropout),
    ];
  }

  forward(h: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const a = blockScope(training, () => this.parts[0].forward(h, training));
    const b = blockScope(training, () => this.parts[1].forward(a));
    return blockScope(training, () => this.parts[2].forward(b, training));
  }
}

/** The blocks of level `{prefix}.{i}` (`down` or `up`), from `cin` to `cout` channels. */
export function buildLevel(store: ParamStore, prefix: string, nBlocks: number, cin: number, cout: number, attention: boolean, dropout: number): ResLevel {
  const level: ResLevel = { blocks: [], attns: [] };
  for (let j = 0; j < nBlocks; j++) {
    level.blocks.push(new ResnetBlock(store, `${prefix}.block.${j}`, j === 0 ? cin : cout, cout, dropout));
    if (attention) level.attns.push(new AttnBlock(store, `${prefix}.attn.${j}`, cout));
  }
  return level;
}
