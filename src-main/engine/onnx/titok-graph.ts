import type { TiTokNets } from '../titok/titok-nets';
import type { OnnxGraph } from './onnx-graph';
import { writeConvNet } from './reference-net-graph';
import { scalar } from './rows-graph';

/**
 * The TiTok 1D tokenizer's encoder (`TiTokNets.encodeWithAttention`'s latents) as ONNX nodes, op
 * for op as the tfjs path:
 *   conv stem (`encoder.stem`, writeConvNet) → grid `[N, c, h, w]` → `[N, h·w, c]` (row-major
 *   cells, as tf.reshape of the NHWC grid) + `encoder.pos_embed` → the learned queries through
 *   `layers` pre-norm cross-attention blocks (cross-attention-block.ts) → LayerNorm
 *   `encoder.norm_out` → Linear `encoder.to_latent` → latents `[N, D, 1, Ntok]`: the 1 × N token
 *   grid, channel-first, which is what `writeQuantizer` takes — so every quantizer family works.
 *
 * The queries are not tiled over the batch (tf.tile in tfjs): `[1, Ntok, c]` broadcasts in the
 * first block's MatMul and residual Add, with the same values, so the first LayerNorm and q
 * projection run once rather than per frame. Linear weights are TiTokParams' `[in, out]` (what
 * MatMul takes; the state dict's `[out, in]` is PyTorch's). LayerNorm is not an op in opset 13:
 * ReduceMean, the mean of squared deviations (tf.moments), eps 1e-5 as `applyLayerNorm`.
 * Frame size is fixed by the position embeddings: the graph's input is `[N, C, H, W]` with H, W
 * fixed (`titokInputSize`), and OnnxEncoder checks frames first with tfjs's own message.
 */

/** Layer norm eps: TiTokParams.applyLayerNorm (nn.LayerNorm's default). */
const LN_EPS = 1e-5;

/** The fixed frame size `[H, W]` the graph's input declares. */
export function titokInputSize(nets: TiTokNets): [number, number] {
  return nets.frameSize();
}

/** Normalised frames `x [N, C, H, W]` → latents `[N, D, 1, Ntok]`. */
export async function writeTiTokEncoder(g: OnnxGraph, nets: TiTokNets, x: string): Promise<string> {
  const w = new TiTokWriter(g, nets);
  return w.encoder(x);
}

class TiTokWriter {
  private readonly c: number;
  private readonly heads: number;

  constructor(
    private readonly g: OnnxGraph,
    private readonly nets: TiTokNets,
  ) {
    this.c = nets.model.hidden;
    this.heads = nets.t.heads;
  }

  async encoder(x: string): Promise<string> {
    const { g, nets, c } = this;
    const { tokens, gridHeight, gridWidth, layers } = nets.t;
    const m = gridHeight * gridWidth;
    const grid = await writeConvNet(g, nets.stem, x); // [N, c, h, w]
    const cells = g.op('Transpose', [this.reshape(grid, [0, c, m])], { perm: { ints: [0, 2, 1] } }); // [N, h·w, c]
    const ctx = g.op('Add', [cells, await this.param('encoder.pos_embed', [m, c])], {}, 'titok_ctx');
    let q = await this.param('encoder.queries', [1, tokens, c]);
    for (let l = 0; l < layers; l++) q = await this.block(`encoder.blocks.${l}`, q, ctx);
    const z = await this.linear('encoder.to_latent', await this.layerNorm('encoder.norm_out', q)); // [N, Ntok, D]
    // [N, Ntok, D] → [N, D, 1, Ntok]: Tokenizer.encode's `[B, 1, N, D]` latents, channel-first.
    const zT = g.op('Transpose', [z], { perm: { ints: [0, 2, 1] } });
    return g.op('Unsqueeze', [zT, g.constant('titok_grid_axis', BigInt64Array.of(2n), [1])], {}, 'titok_latents');
  }

  /** crossAttentionBlock's `out` on queries `[B|1, Ntok, c]` and context `[N, M, c]`. */
  private async block(prefix: string, q: string, ctx: string): Promise<string> {
    const { g, c, heads } = this;
    const dh = c / heads;
    const qn = await this.layerNorm(`${prefix}.norm_q`, q);
    const kvn = await this.layerNorm(`${prefix}.norm_kv`, ctx);
    // splitHeads: [B, L, c] → [B, L, heads, c/heads] → [B, heads, L, c/heads] (tfjs folds B·heads; same products).
    const split = (t: string, perm: number[]) => g.op('Transpose', [this.reshape(t, [0, 0, heads, dh])], { perm: { ints: perm } });
    const qh = split(await this.linear(`${prefix}.attn.q`, qn), [0, 2, 1, 3]);
    const khT = split(await this.linear(`${prefix}.attn.k`, kvn), [0, 2, 3, 1]); // kᵀ: [N, heads, dh, M]
    const vh = split(await this.linear(`${prefix}.attn.v`, kvn), [0, 2, 1, 3]);
    const scores = g.op('Mul', [g.op('MatMul', [qh, khT]), scalar(g, 'attn_scale', 1 / Math.sqrt(dh))]);
    const attn = g.op('Softmax', [scores], { axis: { int: -1 } }); // [N, heads, Ntok, M]
    const mixed = this.reshape(g.op('Transpose', [g.op('MatMul', [attn, vh])], { perm: { ints: [0, 2, 1, 3] } }), [0, 0, c]);
    const out = g.op('Add', [q, await this.linear(`${prefix}.attn.proj`, mixed)]);
    const hidden = gelu(g, await this.linear(`${prefix}.mlp.fc1`, await this.layerNorm(`${prefix}.norm_mlp`, out)));
    return g.op('Add', [out, await this.linear(`${prefix}.mlp.fc2`, hidden)]);
  }

  /** TiTokParams.applyLinear: x · W (`[in, out]`) + b over the last axis. */
  private async linear(name: string, x: string): Promise<string> {
    const w = this.nets.params_.get(`${name}.weight`);
    const b = this.nets.params_.get(`${name}.bias`);
    const W = this.g.constant(`${name}.weight`, (await w.data()) as Float32Array, w.shape);
    const B = this.g.constant(`${name}.bias`, (await b.data()) as Float32Array, b.shape);
    return this.g.op('Add', [this.g.op('MatMul', [x, W]), B]);
  }

  /** TiTokParams.applyLayerNorm: (x − mean) / √(var + eps) · γ + β over the last axis, var the mean squared deviation. */
  private async layerNorm(name: string, x: string): Promise<string> {
    const g = this.g;
    const axes = { axes: { ints: [-1] }, keepdims: { int: 1 } };
    const d = g.op('Sub', [x, g.op('ReduceMean', [x], axes)]);
    const variance = g.op('ReduceMean', [g.op('Mul', [d, d])], axes);
    const xhat = g.op('Div', [d, g.op('Sqrt', [g.op('Add', [variance, scalar(g, 'ln_eps', LN_EPS)])])]);
    return g.op('Add', [g.op('Mul', [xhat, await this.param(`${name}.weight`)]), await this.param(`${name}.bias`)]);
  }

  /** A parameter as a constant, in its stored layout or reshaped to `dims` (same values). */
  private async param(name: string, dims?: number[]): Promise<string> {
    const v = this.nets.params_.get(name);
    return this.g.constant(name, (await v.data()) as Float32Array, dims ?? v.shape);
  }

  /** Reshape to `dims` (0 copies the input's dimension: the batch stays dynamic). */
  private reshape(x: string, dims: number[]): string {
    return this.g.op('Reshape', [x, this.g.constant('shape', BigInt64Array.from(dims, BigInt), [dims.length])]);
  }
}

/** cross-attention-block.ts `gelu`, the tanh form: 0.5·x · (1 + tanh(√(2/π)·(x + 0.044715·x³))). */
function gelu(g: OnnxGraph, x: string): string {
  const cube = g.op('Pow', [x, scalar(g, 'gelu_three', 3)]);
  const inner = g.op('Mul', [scalar(g, 'gelu_c', Math.sqrt(2 / Math.PI)), g.op('Add', [x, g.op('Mul', [scalar(g, 'gelu_k', 0.044715), cube])])]);
  return g.op('Mul', [g.op('Mul', [scalar(g, 'gelu_half', 0.5), x]), g.op('Add', [scalar(g, 'gelu_one', 1), g.op('Tanh', [inner])])]);
}
