import * as tf from '@tensorflow/tfjs-core';
import type { FrameEncoding } from '../../data/frame';
import { classCrossEntropy, mseLoss } from '../model/losses';
import { lovaszSoftmax } from './lovasz-softmax';

/** OccWorld's tokenizer loss weights (config/train_vqvae.py: ReconLoss 10, LovaszLoss 1, VQ 1). */
export const OCCWORLD_LOSS = { ce: 10, lovasz: 1 } as const;

/**
 * The reconstruction part of OccWorld's training loss on channel-last class frames (logits and
 * one-hot target `[B, H, W, Z·C]`): ce × mean cross-entropy per voxel + lovasz × Lovász-softmax
 * over all voxels of the batch (OccWorld flattens batch and time before it). The VQ loss is the
 * quantizer's and is added by the Tokenizer. Continuous frames (the continuous head): the MSE.
 */
export function occworldReconLoss(
  out: tf.Tensor4D,
  target: tf.Tensor4D,
  encoding: FrameEncoding,
  weights: { ce: number; lovasz: number } = OCCWORLD_LOSS,
): tf.Scalar {
  if (encoding.kind !== 'classes') return mseLoss(out, target);
  const c = encoding.numClasses;
  let loss = tf.mul(classCrossEntropy(out, target, c), weights.ce) as tf.Scalar;
  if (weights.lovasz > 0) {
    const probs = tf.softmax(tf.reshape(out, [-1, c])) as tf.Tensor2D;
    const labels = tf.cast(tf.argMax(tf.reshape(target, [-1, c]), 1), 'int32') as tf.Tensor1D;
    loss = tf.add(loss, tf.mul(lovaszSoftmax(probs, labels), weights.lovasz)) as tf.Scalar;
  }
  return loss;
}
