import * as tf from '@tensorflow/tfjs-core';
import type { FrameEncoding } from '../../data/frame';

/**
 * Reconstruction losses on channel-last tensors. Continuous frames: mean squared error.
 * Class frames (channel = group·numClasses + class, one-hot): the decoder's output is class
 * logits, and the loss is the cross-entropy per cell and group, averaged over cells and groups.
 */
export function mseLoss(recon: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.mean(tf.squaredDifference(recon, target)) as tf.Scalar;
}

export function classCrossEntropy(logits: tf.Tensor4D, target: tf.Tensor4D, numClasses: number): tf.Scalar {
  const channels = logits.shape[3];
  if (channels % numClasses !== 0) {
    throw new Error(`class cross-entropy: ${channels} channels is not a whole number of groups of ${numClasses} classes`);
  }
  const flatLogits = tf.reshape(logits, [-1, numClasses]);
  const flatTarget = tf.reshape(target, [-1, numClasses]);
  const logp = tf.logSoftmax(flatLogits);
  return tf.neg(tf.mean(tf.sum(tf.mul(flatTarget, logp), -1))) as tf.Scalar;
}

export function reconstructionLoss(out: tf.Tensor4D, target: tf.Tensor4D, encoding: FrameEncoding): tf.Scalar {
  return encoding.kind === 'classes' ? classCrossEntropy(out, target, encoding.numClasses) : mseLoss(out, target);
}

/**
 * Decoder output → frame space: identity for continuous frames; for class frames the softmax
 * over each group's classes (what the views and IoU use). Channel-last in and out.
 */
export function toFrameSpace(out: tf.Tensor4D, encoding: FrameEncoding): tf.Tensor4D {
  if (encoding.kind !== 'classes') return out;
  const shape = out.shape;
  return tf.reshape(tf.softmax(tf.reshape(out, [-1, encoding.numClasses])), shape) as tf.Tensor4D;
}
