import * as tf from '@tensorflow/tfjs-core';
import { occworldGroups, OCCWORLD_NORM_EPS } from '../occworld/group-norm';
import { occworldHeights, type OccWorldConfig } from '../occworld/occworld-config';
import type { OccWorldNets } from '../occworld/occworld-nets';
import type { OnnxGraph } from './onnx-graph';

/**
 * OccWorld's VAERes2D encoder (occworld/encoder-2d.ts and the parts it runs) as ONNX nodes, on
 * channel-first frames `x [N, C, H, W]` in the product's layout: exactly what
 * `OccWorldNets.latents(toNhwc(x))` computes in tfjs, returning latents `[N, D, h, w]` in the
 * frame's layout (the tfjs path's `[B, h, w, D]`, channel-first).
 *
 * Op for op with the tfjs path: the layout change of occ-layout.ts (transpose, flip the y axis),
 * the class head's input (argmax per height → `class_embeds` rows → heights folded into channels,
 * OccWorldNet.frameToIds / embedIds), conv_in, each level's ResnetBlocks (GroupNorm → SiLU →
 * conv, twice, plus the input or its `nin_shortcut`; dropout is the identity at inference) and
 * AttnBlocks, OccWorld's stride-2 downsampling conv (padding 1 on every side, as encoder-2d.ts
 * and OccWorld have it — not taming's asymmetric pad), the mid block, norm_out, SiLU, conv_out,
 * `vqvae.quant_conv`, and the layout back. Every conv weight is PyTorch's `[out, in, kh, kw]`,
 * which is ONNX's.
 */

/** Why this OccWorld configuration has no ONNX graph here, or null when it has. Every option parseOccWorldConfig accepts can be written. */
export function occworldGraphUnsupported(cfg: OccWorldConfig): string | null {
  // resamp_with_conv = false (average pooling) is refused by the config parser already; this is the place for the next refusal.
  if (!cfg.encoder_cfg.resamp_with_conv) return 'OccWorld average-pool downsampling (resamp_with_conv = false) is encoded with TensorFlow.js only';
  return null;
}

/** The largest negative int64 ONNX Slice takes as "through the start" when stepping backwards. */
const INT64_MIN = -(2n ** 63n);

export async function writeOccWorldEncoder(g: OnnxGraph, nets: OccWorldNets, x: string): Promise<string> {
  const cfg = nets.net.cfg;
  const why = occworldGraphUnsupported(cfg);
  if (why) throw new Error(`ONNX encoder: ${why}`);
  const sd = nets.stateDict();
  try {
    const w = new Writer(g, sd);
    let h = nets.net.head === 'classes' ? await w.classInput(x, cfg) : w.frameToOcc(x);
    h = await w.encoder(h, cfg);
    h = await w.conv(h, 'vqvae.quant_conv', 1);
    return w.occToFrame(h);
  } finally {
    tf.dispose(Object.values(sd));
  }
}

/** Writes the parts, reading weights from the state dict by PyTorch name. */
class Writer {
  private readonly ints = new Map<string, string>();

  constructor(
    private readonly g: OnnxGraph,
    private readonly sd: Record<string, tf.Tensor>,
  ) {}

  private async weight(name: string): Promise<{ data: Float32Array; shape: number[] }> {
    const t = this.sd[name];
    if (!t) throw new Error(`ONNX encoder: the OccWorld model has no ${name}`);
    return { data: (await t.data()) as Float32Array, shape: t.shape };
  }

  private async constant(name: string): Promise<string> {
    const { data, shape } = await this.weight(name);
    return this.g.constant(name, data, shape);
  }

  /** An int64 constant, shared by every node that needs the same one. */
  private int64(values: Array<number | bigint>): string {
    const key = values.join(',');
    let name = this.ints.get(key);
    if (!name) {
      name = this.g.constant('shape', BigInt64Array.from(values, (v) => BigInt(v)), [values.length]);
      this.ints.set(key, name);
    }
    return name;
  }

  /** Reverses axis 3 (the last): Slice with step −1 (opset 13 has no Reverse op). */
  private flipLast(x: string): string {
    return this.g.op('Slice', [x, this.int64([-1]), this.int64([INT64_MIN]), this.int64([3]), this.int64([-1])]);
  }

  /** occ-layout.ts's frameToOccLayout channel-first: `[N, C, rows = Y, cols = X]` → `[N, C, X, Y]`, G[x, y] = F[Y − 1 − y, x]. */
  frameToOcc(x: string): string {
    return this.flipLast(this.g.op('Transpose', [x], { perm: { ints: [0, 1, 3, 2] } }));
  }

  /** occToFrameLayout channel-first: `[N, C, X, Y]` → `[N, C, rows = Y, cols = X]`. */
  occToFrame(x: string): string {
    return this.g.op('Transpose', [this.flipLast(x)], { perm: { ints: [0, 1, 3, 2] } });
  }

  /**
   * Class frames `[N, Z·classes, H, W]` (channel = z·classes + class) → the encoder's input
   * `[N, Z·E, X, Y]` (channel = z·E + e): argmax per height (first maximum, as tf.argMax),
   * the layout change on the ids (fewer channels than the frame or the embedding), the
   * `class_embeds` row of each id (what tfjs's one-hot product gives, exactly).
   */
  async classInput(x: string, cfg: OccWorldConfig): Promise<string> {
    const Z = occworldHeights(cfg);
    const ncls = cfg.num_classes!;
    const E = cfg.expansion!;
    // [N, Z, classes, H, W]: the frame's shape with its channels split (Reshape's 0 cannot move a dim to another index).
    const shape = this.g.op('Shape', [x]);
    const n = this.g.op('Slice', [shape, this.int64([0]), this.int64([1])]);
    const hw = this.g.op('Slice', [shape, this.int64([2]), this.int64([4])]);
    const split = this.g.op('Reshape', [x, this.g.op('Concat', [n, this.int64([Z, ncls]), hw], { axis: { int: 0 } })]);
    const ids = this.frameToOcc(this.g.op('ArgMax', [split], { axis: { int: 2 }, keepdims: { int: 0 } })); // [N, Z, X, Y] int64
    const emb = this.g.op('Gather', [await this.constant('class_embeds.weight'), ids], { axis: { int: 0 } }); // [N, Z, X, Y, E]
    const folded = this.g.op('Transpose', [emb], { perm: { ints: [0, 1, 4, 2, 3] } }); // [N, Z, E, X, Y]
    // [N, Z·E, X, Y]: the ids' shape with its Z scaled by E (a Reshape's 0 keeps the dim at the same index, here X, not Y).
    const folds = this.g.op('Mul', [this.g.op('Shape', [ids]), this.int64([1, E, 1, 1])]);
    return this.g.op('Reshape', [folded, folds]);
  }

  /** A PyTorch Conv2d(k, stride, padding (k − 1) / 2) with its bias. */
  async conv(x: string, name: string, stride: 1 | 2): Promise<string> {
    const wt = await this.weight(`${name}.weight`);
    const k = wt.shape[2]!;
    const p = (k - 1) / 2;
    const weight = this.g.constant(`${name}.weight`, wt.data, wt.shape);
    return this.g.op('Conv', [x, weight, await this.constant(`${name}.bias`)], {
      kernel_shape: { ints: [k, k] },
      strides: { ints: [stride, stride] },
      pads: { ints: [p, p, p, p] },
    });
  }

  /**
   * group-norm.ts's GroupNorm: each sample's group of `channels / groups` consecutive channels
   * normalised by its mean and biased variance over (H, W, those channels). Opset 13 has no
   * GroupNormalization: Reshape `[N, G, −1]` → InstanceNormalization (scale 1, bias 0, the same
   * eps) → the input's shape → ·γ + β per channel.
   */
  async groupNorm(x: string, name: string, channels: number): Promise<string> {
    const G = occworldGroups(channels);
    if (channels % G !== 0) throw new Error(`ONNX encoder: ${name}: ${channels} channels do not split into ${G} groups`);
    const grouped = this.g.op('Reshape', [x, this.int64([0, G, -1])]);
    const ones = this.g.constant(`${name}.unit_scale`, new Float32Array(G).fill(1), [G]);
    const zeros = this.g.constant(`${name}.zero_bias`, new Float32Array(G), [G]);
    const normed = this.g.op('InstanceNormalization', [grouped, ones, zeros], { epsilon: { float: OCCWORLD_NORM_EPS } });
    const back = this.g.op('Reshape', [normed, this.g.op('Shape', [x])]);
    const gamma = await this.weight(`${name}.weight`);
    const beta = await this.weight(`${name}.bias`);
    const scaled = this.g.op('Mul', [back, this.g.constant(`${name}.weight`, gamma.data, [channels, 1, 1])]);
    return this.g.op('Add', [scaled, this.g.constant(`${name}.bias`, beta.data, [channels, 1, 1])]);
  }

  /** x · sigmoid(x): taming's `nonlinearity`, as torch-conv.ts's swish. */
  silu(x: string): string {
    return this.g.op('Mul', [x, this.g.op('Sigmoid', [x])]);
  }

  /** resnet-block.ts: GroupNorm → SiLU → conv1 → GroupNorm → SiLU → (dropout: identity) → conv2, plus x or nin_shortcut(x). */
  async resnetBlock(x: string, name: string, cin: number, cout: number): Promise<string> {
    let h = this.silu(await this.groupNorm(x, `${name}.norm1`, cin));
    h = await this.conv(h, `${name}.conv1`, 1);
    h = this.silu(await this.groupNorm(h, `${name}.norm2`, cout));
    h = await this.conv(h, `${name}.conv2`, 1);
    const skip = cin !== cout ? await this.conv(x, `${name}.nin_shortcut`, 1) : x;
    return this.g.op('Add', [skip, h]);
  }

  /**
   * attn-block.ts (taming's AttnBlock): GroupNorm; q, k, v 1×1 convs; w = softmax(qᵀk / √c)
   * over the keys; out[c, i] = Σ_j v[c, j]·w[i, j]; x + proj_out(out). Spatial sizes stay
   * dynamic (reshapes by 0 = keep and the input's own shape).
   */
  async attnBlock(x: string, name: string, c: number): Promise<string> {
    const hn = await this.groupNorm(x, `${name}.norm`, c);
    const flat = async (n: string) => this.g.op('Reshape', [await this.conv(hn, `${name}.${n}`, 1), this.int64([0, 0, -1])]); // [N, c, HW]
    const qT = this.g.op('Transpose', [await flat('q')], { perm: { ints: [0, 2, 1] } }); // [N, HW, c]
    const k = await flat('k');
    const v = await flat('v');
    const scale = this.g.constant(`${name}.scale`, Float32Array.of(1 / Math.sqrt(c)), []);
    const att = this.g.op('Softmax', [this.g.op('Mul', [this.g.op('MatMul', [qT, k]), scale])], { axis: { int: -1 } }); // [N, HW(q), HW(k)]
    const out = this.g.op('MatMul', [v, this.g.op('Transpose', [att], { perm: { ints: [0, 2, 1] } })]); // [N, c, HW]
    const spatial = this.g.op('Reshape', [out, this.g.op('Shape', [x])]);
    return this.g.op('Add', [x, await this.conv(spatial, `${name}.proj_out`, 1)]);
  }

  /** encoder-2d.ts's forward, with the levels as the config (and Encoder2D's constructor) lays them out. */
  async encoder(x: string, cfg: OccWorldConfig): Promise<string> {
    const e = cfg.encoder_cfg;
    const p = 'encoder';
    let h = await this.conv(x, `${p}.conv_in`, 1);
    let res = e.resolution;
    let blockIn = e.ch;
    for (let i = 0; i < e.ch_mult.length; i++) {
      const blockOut = e.ch * e.ch_mult[i]!;
      const attention = e.attn_resolutions.includes(res);
      for (let j = 0; j < e.num_res_blocks; j++) {
        h = await this.resnetBlock(h, `${p}.down.${i}.block.${j}`, j === 0 ? blockIn : blockOut, blockOut);
        if (attention) h = await this.attnBlock(h, `${p}.down.${i}.attn.${j}`, blockOut);
      }
      blockIn = blockOut;
      if (i !== e.ch_mult.length - 1) {
        h = await this.conv(h, `${p}.down.${i}.downsample.conv`, 2);
        res = Math.floor(res / 2);
      }
    }
    h = await this.resnetBlock(h, `${p}.mid.block_1`, blockIn, blockIn);
    h = await this.attnBlock(h, `${p}.mid.attn_1`, blockIn);
    h = await this.resnetBlock(h, `${p}.mid.block_2`, blockIn, blockIn);
    h = this.silu(await this.groupNorm(h, `${p}.norm_out`, blockIn));
    return this.conv(h, `${p}.conv_out`, 1);
  }
}

