import * as tf from '@tensorflow/tfjs-core';
import type { TokenAttention } from '../contract/index';
import type { Tokenizer } from '../engine/tokenizer';
import { TiTokNets } from '../engine/titok/titok-nets';
import { ServiceStateError } from './errors';

/**
 * Where each token of a 1D tokenizer looks on one frame: the encoder's last cross-attention,
 * averaged over heads, `[N, h, w]`. A grid tokenizer's token *is* a cell, so it has no such map.
 */
export async function tokenAttention(
  tokenizer: Tokenizer,
  frame: Float32Array,
  seq: { channels: number; height: number; width: number },
  index: number,
): Promise<TokenAttention> {
  const nets = tokenizer.nets;
  if (!(nets instanceof TiTokNets)) {
    throw new ServiceStateError(`getTokenAttention: the tokenizer is a ${nets.kind} grid tokenizer: each token is its own cell (only a 1D titok tokenizer's tokens attend to regions)`);
  }
  const attn = tf.tidy(() => nets.encodeWithAttention(tokenizer.toNhwc(tf.tensor4d(frame, [1, seq.channels, seq.height, seq.width])), false).attention);
  try {
    const [, n, h, w] = attn.shape;
    return { index, tokens: n, h, w, attention: (await attn.data()) as Float32Array };
  } finally {
    attn.dispose();
  }
}
