import * as tf from '@tensorflow/tfjs-core';
import { groupNorm, occworldGroups, OCCWORLD_NORM_EPS } from './group-norm';
import type { OccWorldNetConfig } from './occworld-config';
import type { ParamStore } from './param-store';
import { buildLevel, MidBlock, runLevelBlocks, type ResLevel } from './res-level';
import { swish, torchConv2d } from './torch-conv';


/**
 * OccWorld's Encoder2D (taming's Encoder, 2D): conv_in; per level of ch_mult, num_res_blocks
 * ResnetBlocks, each followed by an AttnBlock when the level's nominal resolution (from the
 * config's `resolution`, halved per level, not the input's size) is in attn_resolutions; a
 * stride-2 3×3 convolution (padding 1, as OccWorld has it) between levels; mid block, attention,
 * block; GroupNorm, SiLU, conv_out. Returns the latents and the spatial size before each
 * downsampling (the decoder pads its upsampled maps back to them).
 */
export class Encoder2D {
  private readonly levels: ResLevel[] = [];
  private readonly mid: MidBlock;
  readonly outChannels: number;
  private readonly blockOut: number;

  constructor(
    private readonly store: ParamStore,
    private readonly prefix: string,
    cfg: OccWorldNetConfig,
  ) {
    const { ch, ch_mult: mult, num_res_blocks: nBlocks, dropout } = cfg;
    store.addConv(`${prefix}.conv_in`, cfg.in_channels, ch, 3);
    let res = cfg.resolution;
    let blockIn = ch;
    mult.forEach((m, i) => {
      const blockOut = ch * m;
      const level = buildLevel(store, `${prefix}.down.${i}`, nBlocks, blockIn, blockOut, cfg.attn_resolutions.includes(res), dropout);
      blockIn = blockOut;
      if (i !== mult.length - 1) {
        level.resample = `${prefix}.down.${i}.downsample.conv`;
        store.addConv(level.resample, blockIn, blockIn, 3);
        res = Math.floor(res / 2);
      }
      this.levels.push(level);
    });
    this.mid = new MidBlock(store, prefix, blockIn, dropout);
    this.blockOut = blockIn;
    store.addNorm(`${prefix}.norm_out`, blockIn);
    this.outChannels = cfg.z_channels * (cfg.double_z ? 2 : 1);
    store.addConv(`${prefix}.conv_out`, blockIn, this.outChannels, 3);
  }

  forward(x: tf.Tensor4D, training: boolean): { z: tf.Tensor4D; shapes: Array<[number, number]> } {
    const p = (n: string) => this.store.get(`${this.prefix}.${n}`);
    const shapes: Array<[number, number]> = [];
    let h = torchConv2d(x, p('conv_in.weight'), p('conv_in.bias'), 1);
    for (const level of this.levels) {
      h = runLevelBlocks(level, h, training);
      if (level.resample) {
        shapes.push([h.shape[1], h.shape[2]]);
        h = torchConv2d(h, this.store.get(`${level.resample}.weight`), this.store.get(`${level.resample}.bias`), 2);
      }
    }
    h = this.mid.forward(h, training);
    h = swish(groupNorm(h, occworldGroups(this.blockOut), p('norm_out.weight'), p('norm_out.bias'), OCCWORLD_NORM_EPS));
    return { z: torchConv2d(h, p('conv_out.weight'), p('conv_out.bias'), 1), shapes };
  }
}
