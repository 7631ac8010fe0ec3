import * as tf from '@tensorflow/tfjs-core';
import { detached } from '../quantizers/ops';

/**
 * The Lovász-softmax loss (Berman, Rannen Triki, Blaschko, CVPR 2018), as OccWorld trains its
 * tokenizer with it (`classes='present'`, no ignore label): per class c present in the labels,
 * the errors e = |[label = c] − p_c| sorted in decreasing order, dotted with the gradient of
 * the Lovász extension of the Jaccard loss at that order; the mean over the present classes.
 *
 * The sort only decides the weights: the loss is Σ_j e_j · w_j with w_j the Lovász gradient at
 * e_j's rank, a constant of the sort. So the weights are computed off the tape (top-k of all
 * errors per class, cumulative sums, scattered back to each voxel) and the loss stays plain
 * differentiable ops in the probabilities. Ties in e leave the value unchanged (the extension is
 * continuous); only the subgradient's choice among them may differ from PyTorch's sort.
 *
 * @param probs `[P, C]` class probabilities. @param labels int32 `[P]`. Call inside a tidy.
 */
export function lovaszSoftmax(probs: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const c = probs.shape[1];
  const fg = tf.transpose(tf.cast(tf.oneHot(tf.cast(labels, 'int32'), c), 'float32')) as tf.Tensor2D; // [C, P]
  const errors = tf.abs(tf.sub(fg, tf.transpose(probs))) as tf.Tensor2D; // [C, P]
  const weights = detached(errors, (e) => lovaszWeights(e as tf.Tensor2D, fg));
  const present = tf.cast(tf.greater(tf.sum(fg, 1), 0), 'float32'); // [C]
  const perClass = tf.sum(tf.mul(errors, weights), 1);
  return tf.div(tf.sum(tf.mul(perClass, present)), tf.maximum(tf.sum(present), 1)) as tf.Scalar;
}

/** Per class row, the Lovász gradient at each element's rank in decreasing order of `errors`. */
function lovaszWeights(errors: tf.Tensor2D, fg: tf.Tensor2D): tf.Tensor2D {
  const [c, p] = errors.shape;
  const { indices } = tf.topk(errors, p, true); // [C, P], decreasing
  const rows = tf.tile(tf.reshape(tf.range(0, c, 1, 'int32'), [c, 1]), [1, p]);
  const at = tf.reshape(tf.stack([rows, indices], -1), [c * p, 2]);
  const fgSorted = tf.reshape(tf.gatherND(fg, at), [c, p]);
  const gts = tf.sum(fgSorted, 1, true);
  const intersection = tf.sub(gts, tf.cumsum(fgSorted, 1));
  const union = tf.add(gts, tf.cumsum(tf.sub(1, fgSorted), 1));
  const jaccard = tf.sub(1, tf.div(intersection, union));
  // g[0] = J[0], g[i] = J[i] − J[i − 1].
  const prev = tf.concat([tf.zeros([c, 1]), tf.slice(jaccard, [0, 0], [c, p - 1])], 1);
  const grad = tf.sub(jaccard, prev);
  return tf.scatterND(at, tf.reshape(grad, [c * p]), [c, p]) as tf.Tensor2D;
}
