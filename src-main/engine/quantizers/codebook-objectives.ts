/**
 * Objectives on a VQ codebook, added to the VQ loss with their weights (formulas and references
 * in docs/design-notes/codebook-objectives.md):
 * - orthogonality: vector-quantize-pytorch's `orthogonal_loss_fn` (eq. 2 of arXiv 2112.00384),
 *   Σᵢⱼ cos(eᵢ, eⱼ)² / n² − 1/n = ‖ẼẼᵀ − I‖²_F / n², over the codes the batch used and at most
 *   `orthogonalMaxCodes` of them, sampled each step (the library's active-codes / max-codes options);
 * - norm control: mean over codes of (‖e‖ − target)²;
 * - soft repulsion: mean over pairs i ≠ j of exp(−‖eᵢ − eⱼ‖² / σ²);
 * - variance hinge: mean over dimensions of max(0, γ − std_d)², std over the codebook's rows;
 * - InfoNCE: −log softmax(cos(x, e)/τ) at the latent's assigned code, the other codes the negatives;
 * - VICReg's variance (γ 1, ε 1e-4, unbiased) and covariance (off-diagonal², / D) terms on the rows.
 * Each is a plain differentiable function of tensors (gradients by tfjs's autodiff), to be
 * called inside the VQ loss's tf.tidy; nothing is read back to JS.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CodebookObjectives } from '../../contract';
import { activeObjectives, OBJECTIVE_DEFAULTS, type ObjectivePart } from './codebook-objectives-config';
import { detached, gatherRows, l2normalize, oneHotFloat, squaredDistances } from './ops';

export type { CodebookObjectives };
// The config side (names, defaults, refusals) has no tensors: the CLI and the service import it alone.
export * from './codebook-objectives-config';

/**
 * ‖ẼẼᵀ − I‖² / n² over the rows where `mask` is 1 (n = Σ mask), Ẽ the l2-normalised rows:
 * Σᵢⱼ mᵢmⱼ cos²ᵢⱼ / n² − 1/n. With a mask of ones it is the library's `orthogonal_loss_fn`
 * for one head. The mask carries no gradient.
 */
export function orthogonalLoss(cb: tf.Tensor2D, mask?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const e = l2normalize(cb);
    const cos2 = tf.square(tf.matMul(e, tf.transpose(e)));
    if (!mask) {
      const n = cb.shape[0];
      return tf.sub(tf.div(tf.sum(cos2), n * n), 1 / n) as tf.Scalar;
    }
    const m = tf.reshape(mask, [-1, 1]);
    const pairs = tf.matMul(m, tf.transpose(m));
    const n = tf.maximum(tf.sum(mask), 1);
    return tf.sub(tf.div(tf.sum(tf.mul(cos2, pairs)), tf.square(n)), tf.div(1, n)) as tf.Scalar;
  });
}

/** 1 for each code the batch's indices use, else 0 (`[K]`, float32, no gradient). */
export function usedCodes(indices: tf.Tensor1D, K: number): tf.Tensor1D {
  return tf.tidy(() => tf.cast(tf.greater(tf.sum(oneHotFloat(tf.cast(indices, 'int32') as tf.Tensor1D, K), 0), 0), 'float32') as tf.Tensor1D);
}

/**
 * The orthogonality term as VectorQuantize applies it: over the used codes only (or all), and
 * over at most `maxCodes` of them drawn uniformly without replacement (`random` gives K
 * numbers in [0, 1)). The draw is a top-k of random scores with unused codes ranked last, so
 * that it stays on the device; when fewer than `maxCodes` codes are used, all of them count.
 */
export function orthogonalRegulariser(
  cb: tf.Tensor2D,
  indices: tf.Tensor1D,
  opts: { activeOnly: boolean; maxCodes?: number; random: () => number },
): tf.Scalar {
  return tf.tidy(() => {
    const K = cb.shape[0];
    // The indices come from an argmin over distances to the codebook, so whatever is computed
    // from them is on the gradient tape: computed `detached` (greater and topk have no gradient).
    const mask = opts.activeOnly ? detached(indices, (i) => usedCodes(i as tf.Tensor1D, K)) : tf.ones([K]);
    if (opts.maxCodes === undefined || opts.maxCodes >= K) return orthogonalLoss(cb, opts.activeOnly ? (mask as tf.Tensor1D) : undefined);
    const M = opts.maxCodes;
    const r = tf.tensor1d(Float32Array.from({ length: K }, () => opts.random()));
    // used: [0, 1), unused: [−1, 0), so the top M are used codes while there are enough.
    const picks = detached(mask, (m) => tf.topk(tf.sub(tf.add(r, m), 1), M).indices as tf.Tensor1D);
    const pickedMask = detached(mask, (m) => tf.reshape(tf.matMul(oneHotFloat(picks, K), tf.reshape(m, [K, 1])), [-1]) as tf.Tensor1D);
    return orthogonalLoss(gatherRows(cb, picks), pickedMask);
  });
}

/** Norm control: mean over codes of (‖e‖ − target)², ‖e‖ = √(Σe² + 1e-12) (finite gradient at 0). */
export function normLoss(cb: tf.Tensor2D, target: number): tf.Scalar {
  return tf.tidy(() => {
    const norms = tf.sqrt(tf.add(tf.sum(tf.square(cb), 1), 1e-12));
    return tf.mean(tf.square(tf.sub(norms, target))) as tf.Scalar;
  });
}

/**
 * Soft repulsion (a Gaussian kernel, as in uniformity losses): (1 / K(K−1)) Σᵢ≠ⱼ exp(−‖eᵢ − eⱼ‖² / σ²).
 * Near 1 when codes crowd together, near 0 once they are σ or more apart; never pushes codes
 * that are already far apart. K² values: mind memory for very large codebooks.
 */
export function repulsionLoss(cb: tf.Tensor2D, sigma: number): tf.Scalar {
  return tf.tidy(() => {
    const K = cb.shape[0];
    const k = tf.exp(tf.div(tf.neg(squaredDistances(cb, cb)), sigma * sigma));
    const offDiagonal = tf.sub(1, tf.eye(K));
    return tf.div(tf.sum(tf.mul(k, offDiagonal)), K * (K - 1)) as tf.Scalar;
  });
}

/** Per-dimension centred rows and their (population or unbiased) variance. */
function centred(cb: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(cb, tf.mean(cb, 0, true));
}

/** Variance hinge: mean over dimensions of max(0, γ − std_d)², std_d = √(mean_k (e_kd − ē_d)² + 1e-8). */
export function varianceHingeLoss(cb: tf.Tensor2D, gamma: number): tf.Scalar {
  return tf.tidy(() => {
    const std = tf.sqrt(tf.add(tf.mean(tf.square(centred(cb)), 0), 1e-8));
    return tf.mean(tf.square(tf.relu(tf.sub(gamma, std)))) as tf.Scalar;
  });
}

/** VICReg's variance term (Bardes et al. 2022, eq. 1): mean_d max(0, 1 − √(Var_d + 1e-4)), unbiased Var. */
export function vicregVarianceLoss(cb: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const K = cb.shape[0];
    const variance = tf.div(tf.sum(tf.square(centred(cb)), 0), K - 1);
    return tf.mean(tf.relu(tf.sub(1, tf.sqrt(tf.add(variance, 1e-4))))) as tf.Scalar;
  });
}

/** VICReg's covariance term (eq. 3): (1/D) Σᵢ≠ⱼ C(E)ᵢⱼ², C = (E − Ē)ᵀ(E − Ē) / (K − 1). */
export function vicregCovarianceLoss(cb: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const [K, D] = cb.shape;
    const c = centred(cb);
    const cov = tf.div(tf.matMul(tf.transpose(c), c), K - 1);
    const offDiagonal = tf.sub(1, tf.eye(D));
    return tf.div(tf.sum(tf.square(tf.mul(cov, offDiagonal))), D) as tf.Scalar;
  });
}

/**
 * InfoNCE with the codebook as the candidates (as in contrastive VQ, e.g. CVQ-VAE's contrastive
 * term): logits = cos(x, e_k) / τ, loss = mean over latents of −log softmax(logits)[assigned].
 * Gradients reach both the latents and the codebook.
 */
export function infoNceLoss(x: tf.Tensor2D, cb: tf.Tensor2D, indices: tf.Tensor1D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const logits = tf.div(tf.matMul(l2normalize(x), tf.transpose(l2normalize(cb))), temperature);
    const assigned = detached(indices, (i) => oneHotFloat(tf.cast(i, 'int32') as tf.Tensor1D, cb.shape[0]));
    const positive = tf.sum(tf.mul(logits, assigned), 1);
    // log-sum-exp shifted by the row max computed off the tape: the same value and gradient as
    // tf.logSumExp, whose Max gradient (an Equal of [N, K] against [N, 1]) took 0.7 s of a 1 s
    // step on wasm at N 2048, K 512 (bench/objectives-bench.ts).
    const rowMax = detached(logits, (l) => tf.max(l, 1, true));
    const lse = tf.add(tf.reshape(rowMax, [-1]), tf.log(tf.sum(tf.exp(tf.sub(logits, rowMax)), 1)));
    return tf.mean(tf.sub(lse, positive)) as tf.Scalar;
  });
}

/**
 * The active objectives' values (unweighted, for the metrics) and their weighted sum.
 * `x` is the input as compared with the codes, `indices` the batch's assignments.
 */
export function codebookObjectives(
  o: CodebookObjectives,
  cb: tf.Tensor2D,
  x: tf.Tensor2D,
  indices: tf.Tensor1D,
  random: () => number,
): { parts: Partial<Record<ObjectivePart, tf.Scalar>>; loss: tf.Scalar } {
  const parts: Partial<Record<ObjectivePart, tf.Scalar>> = {};
  for (const k of activeObjectives(o)) {
    switch (k) {
      case 'orthogonal':
        parts[k] = orthogonalRegulariser(cb, indices, {
          activeOnly: o.orthogonalActiveOnly ?? OBJECTIVE_DEFAULTS.orthogonalActiveOnly,
          ...(o.orthogonalMaxCodes !== undefined ? { maxCodes: o.orthogonalMaxCodes } : {}),
          random,
        });
        break;
      case 'norm':
        parts[k] = normLoss(cb, o.normTarget ?? OBJECTIVE_DEFAULTS.normTarget);
        break;
      case 'repulsion':
        parts[k] = repulsionLoss(cb, o.repulsionSigma ?? OBJECTIVE_DEFAULTS.repulsionSigma);
        break;
      case 'varianceHinge':
        parts[k] = varianceHingeLoss(cb, o.varianceGamma ?? OBJECTIVE_DEFAULTS.varianceGamma);
        break;
      case 'infonce':
        parts[k] = infoNceLoss(x, cb, indices, o.infonceTemperature ?? OBJECTIVE_DEFAULTS.infonceTemperature);
        break;
      case 'vicregVariance':
        parts[k] = vicregVarianceLoss(cb);
        break;
      case 'vicregCovariance':
        parts[k] = vicregCovarianceLoss(cb);
        break;
    }
  }
  let loss = tf.scalar(0);
  for (const [k, v] of Object.entries(parts) as Array<[ObjectivePart, tf.Scalar]>) loss = tf.add(loss, tf.mul(v, o[k] ?? 0));
  return { parts, loss };
}
