import * as tf from '@tensorflow/tfjs-core';
import type { TiTokParams } from './titok-params';

/**
 * A pre-norm cross-attention transformer block: queries attend to a context, then an MLP.
 *   q ← q + proj(attn(LN_q(q), LN_kv(ctx)));  q ← q + fc2(GELU(fc1(LN_mlp(q))))
 * Parameters `<prefix>.norm_q`, `.norm_kv`, `.attn.{q,k,v,proj}`, `.norm_mlp`, `.mlp.{fc1,fc2}`
 * (resources/pytorch/titok_tokenizer.py's CrossAttentionBlock). GELU is the tanh form (PyTorch's
 * `approximate='tanh'`): every tfjs backend has tanh, not all have erf.
 */
export const MLP_RATIO = 4;

export function addCrossAttentionBlock(p: TiTokParams, prefix: string, width: number): void {
  p.addLayerNorm(`${prefix}.norm_q`, width);
  p.addLayerNorm(`${prefix}.norm_kv`, width);
  for (const n of ['q', 'k', 'v', 'proj']) p.addLinear(`${prefix}.attn.${n}`, width, width);
  p.addLayerNorm(`${prefix}.norm_mlp`, width);
  p.addLinear(`${prefix}.mlp.fc1`, width, width * MLP_RATIO);
  p.addLinear(`${prefix}.mlp.fc2`, width * MLP_RATIO, width);
}

export function gelu(x: tf.Tensor): tf.Tensor {
  const c = Math.sqrt(2 / Math.PI);
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(tf.mul(c, tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))));
}

/** `[B, L, C]` → `[B·H, L, C/H]`. */
function splitHeads(x: tf.Tensor, heads: number): tf.Tensor3D {
  const [b, l, c] = x.shape as [number, number, number];
  return tf.reshape(tf.transpose(tf.reshape(x, [b, l, heads, c / heads]), [0, 2, 1, 3]), [b * heads, l, c / heads]);
}

/**
 * One block on queries `[B, N, C]` and context `[B, M, C]`. Returns the new queries and the
 * attention weights averaged over heads, `[B, N, M]` (where each query looked).
 */
export function crossAttentionBlock(p: TiTokParams, prefix: string, q: tf.Tensor3D, ctx: tf.Tensor3D, heads: number): { out: tf.Tensor3D; attention: tf.Tensor3D } {
  const [b, n, c] = q.shape;
  const m = ctx.shape[1];
  const qn = p.applyLayerNorm(`${prefix}.norm_q`, q);
  const kvn = p.applyLayerNorm(`${prefix}.norm_kv`, ctx);
  const qh = splitHeads(p.applyLinear(`${prefix}.attn.q`, qn), heads);
  const kh = splitHeads(p.applyLinear(`${prefix}.attn.k`, kvn), heads);
  const vh = splitHeads(p.applyLinear(`${prefix}.attn.v`, kvn), heads);
  // Explicit transpose: wasm's batched matMul is fast only without transpose flags.
  const scores = tf.mul(tf.matMul(qh, tf.transpose(kh, [0, 2, 1])), 1 / Math.sqrt(c / heads));
  const attn = tf.softmax(scores, -1) as tf.Tensor3D;
  const mixed = tf.reshape(tf.transpose(tf.reshape(tf.matMul(attn, vh), [b, heads, n, c / heads]), [0, 2, 1, 3]), [b, n, c]);
  let out = tf.add(q, p.applyLinear(`${prefix}.attn.proj`, mixed)) as tf.Tensor3D;
  const h = p.applyLinear(`${prefix}.mlp.fc2`, gelu(p.applyLinear(`${prefix}.mlp.fc1`, p.applyLayerNorm(`${prefix}.norm_mlp`, out))));
  out = tf.add(out, h) as tf.Tensor3D;
  const attention = tf.mean(tf.reshape(attn, [b, heads, n, m]), 1) as tf.Tensor3D;
  return { out, attention };
}
