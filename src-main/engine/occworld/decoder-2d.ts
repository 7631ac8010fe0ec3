import * as tf from '@tensorflow/tfjs-core';
import { groupNorm, occworldGroups, OCCWORLD_NORM_EPS } from './group-norm';
import type { OccWorldNetConfig } from './occworld-config';
import type { ParamStore } from './param-store';
import { buildLevel, MidBlock, runLevelBlocks, type ResLevel } from './res-level';
import { swish, torchConv2d } from './torch-conv';


/**
 * OccWorld's Decoder2D: conv_in from z_channels; mid block, attention, block; the levels in
 * reverse, each with num_res_blocks ResnetBlocks (OccWorld's count, not taming's +1), attention
 * after each where the nominal resolution is in attn_resolutions, and an upsampling (nearest ×2,
 * padded or cropped to the size the encoder recorded, 3×3 conv) above level 0; GroupNorm, SiLU,
 * conv_out. `up.{i}` is named by level, as OccWorld's `self.up.insert(0, up)` leaves it.
 */
export class Decoder2D {
  /** Indexed by level (0 = full resolution). */
  private readonly levels: ResLevel[] = [];
  private readonly mid: MidBlock;
  private readonly blockOut: number;

  constructor(
    private readonly store: ParamStore,
    private readonly prefix: string,
    cfg: OccWorldNetConfig,
  ) {
    const { ch, ch_mult: mult, num_res_blocks: nBlocks, dropout } = cfg;
    let blockIn = ch * mult[mult.length - 1]!;
    let res = Math.floor(cfg.resolution / 2 ** (mult.length - 1));
    store.addConv(`${prefix}.conv_in`, cfg.z_channels, blockIn, 3);
    this.mid = new MidBlock(store, prefix, blockIn, dropout);
    for (let i = mult.length - 1; i >= 0; i--) {
      const blockOut = ch * mult[i]!;
      const level = buildLevel(store, `${prefix}.up.${i}`, nBlocks, blockIn, blockOut, cfg.attn_resolutions.includes(res), dropout);
      blockIn = blockOut;
      if (i !== 0) {
        level.resample = `${prefix}.up.${i}.upsample.conv`;
        store.addConv(level.resample, blockIn, blockIn, 3);
        res *= 2;
      }
      this.levels[i] = level;
    }
    this.blockOut = blockIn;
    store.addNorm(`${prefix}.norm_out`, blockIn);
    store.addConv(`${prefix}.conv_out`, blockIn, cfg.out_ch, 3);
  }

  /**
   * @param shapes the encoder's recorded sizes, finest first (one per upsampling); by default
   *   each upsampling simply doubles (the sizes of frames divisible by the downsampling factor).
   */
  forward(z: tf.Tensor4D, training: boolean, shapes?: ReadonlyArray<readonly [number, number]>): tf.Tensor4D {
    const p = (n: string) => this.store.get(`${this.prefix}.${n}`);
    const sizes = [...(shapes ?? [])];
    let h = torchConv2d(z, p('conv_in.weight'), p('conv_in.bias'), 1);
    h = this.mid.forward(h, training);
    for (let i = this.levels.length - 1; i >= 0; i--) {
      const level = this.levels[i]!;
      h = runLevelBlocks(level, h, training);
      if (level.resample) {
        const target = sizes.pop() ?? [h.shape[1] * 2, h.shape[2] * 2];
        h = padOrCrop(tf.image.resizeNearestNeighbor(h, [h.shape[1] * 2, h.shape[2] * 2]), target);
        h = torchConv2d(h, this.store.get(`${level.resample}.weight`), this.store.get(`${level.resample}.bias`), 1);
      }
    }
    h = swish(groupNorm(h, occworldGroups(this.blockOut), p('norm_out.weight'), p('norm_out.bias'), OCCWORLD_NORM_EPS));
    return torchConv2d(h, p('conv_out.weight'), p('conv_out.bias'), 1);
  }
}

/**
 * F.pad(x, [dX // 2, dX − dX // 2, dY // 2, dY − dY // 2]) with dY, dX = target − size, as
 * OccWorld's Upsample does; a negative difference crops (F.pad's negative padding).
 */
function padOrCrop(x: tf.Tensor4D, [th, tw]: readonly [number, number]): tf.Tensor4D {
  const [, h, w] = x.shape;
  const dy = th - h;
  const dx = tw - w;
  if (dy === 0 && dx === 0) return x;
  const split = (d: number): [number, number] => [Math.floor(d / 2), d - Math.floor(d / 2)];
  const [top, bottom] = split(dy);
  const [left, right] = split(dx);
  // Pad the positive sides, then slice away the negative ones.
  let y = tf.pad(x, [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [Math.max(left, 0), Math.max(right, 0)], [0, 0]]);
  const [, ph, pw] = y.shape;
  const y0 = Math.max(-top, 0);
  const x0 = Math.max(-left, 0);
  y = tf.slice(y, [0, y0, x0, 0], [-1, ph - y0 - Math.max(-bottom, 0), pw - x0 - Math.max(-right, 0), -1]);
  return y;
}
