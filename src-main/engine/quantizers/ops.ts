/**
 * The small differentiable building blocks every quantizer shares.
 *
 * tfjs has no `stopGradient`, `tf.round` has a zero gradient, and `tf.gather` with int indices
 * throws inside a gradient tape, so each of those is one `tf.customGrad` op here whose gradient
 * is written out by hand. Forward values are exact (the straight-through op returns `q` itself,
 * not `z + (q − z)`, which would round differently from the reference's codes).
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node build has no gradient definitions; engine/backend/gradients registers them
// (idempotent). Every quantizer trains through tf.grad / variableGrads, so make sure they exist.
import '../backend/gradients';

type Grad1 = (dy: tf.Tensor) => tf.Tensor[];

/** Identity forward, zero gradient: PyTorch's `.detach()`. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const op = tf.customGrad((a) => {
    const t = a as tf.Tensor;
    return { value: t.clone(), gradFunc: ((dy) => [tf.zerosLike(dy)]) as Grad1 };
  });
  return op(x) as T;
}

/**
 * `f(x)` computed off the tape, with a zero gradient to `x`. Needed where `f` uses ops that have
 * no gradient (greater, sign…): tfjs walks every op between the inputs and the loss, and a
 * stopGradient placed after them does not hide them from that walk.
 */
export function detached<T extends tf.Tensor>(x: tf.Tensor, f: (x: tf.Tensor) => T): T {
  const shape = x.shape;
  const op = tf.customGrad((a) => {
    return { value: f(a as tf.Tensor), gradFunc: (() => [tf.zeros(shape)]) as () => tf.Tensor[] };
  });
  return op(x) as T;
}

/**
 * The straight-through estimator: the value of `q`, the gradient of the identity in `z`.
 * Exactly `z + (q − z).detach()` of the reference, without its rounding error in the value.
 */
export function straightThrough<T extends tf.Tensor>(z: T, q: T): T {
  const op = tf.customGrad((a, b) => {
    const qt = b as tf.Tensor;
    void a;
    return { value: qt.clone(), gradFunc: ((dy) => [dy.clone(), tf.zerosLike(dy)]) as Grad1 };
  });
  return op(z, q) as T;
}

/** `round` (half to even, as tf.round does on cpu and wasm) with the identity as gradient. */
export function roundSte<T extends tf.Tensor>(x: T): T {
  const op = tf.customGrad((a) => {
    return { value: tf.round(a as tf.Tensor), gradFunc: ((dy) => [dy.clone()]) as Grad1 };
  });
  return op(x) as T;
}

/**
 * Rows `table[idx]` as one op. Gradient to the table: `oneHot(idx)ᵀ · dy` (rows picked several
 * times add up); no gradient to the int indices, which are closed over rather than passed in.
 * The one-hot is transposed explicitly because wasm's BatchMatMul is slow with transpose flags.
 */
export function gatherRows(table: tf.Tensor2D, idx: tf.Tensor1D): tf.Tensor2D {
  const rows = table.shape[0];
  const op = tf.customGrad((t, save) => {
    // Saved (the engine keeps a clone) so the backward pass works after the caller's tidy.
    (save as tf.GradSaveFunc)([idx]);
    return {
      value: tf.gather(t as tf.Tensor2D, idx),
      gradFunc: ((dy: tf.Tensor, saved: tf.Tensor[]) => {
        return [sumRowsByCode(oneHotFloat(saved[0] as tf.Tensor1D, rows), dy as tf.Tensor2D)];
      }) as (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[],
    };
  });
  return op(table) as tf.Tensor2D;
}

/**
 * oneHotᵀ·x, `[K, D]`: per code, the sum of the rows of `x [N, D]` assigned to it by
 * `oneHot [N, K]`. Computed as (xᵀ·oneHot)ᵀ: the explicit transposes then move N·D and D·K
 * values instead of the N·K one-hot, about 3× faster on wasm at N 2048, K 512, D 32.
 */
export function sumRowsByCode(oneHot: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.transpose(tf.matMul(tf.transpose(x), oneHot)) as tf.Tensor2D);
}

/**
 * One-hot rows as float32. Built as int32 then cast: tfjs-backend-wasm 4.22's OneHot kernel
 * ignores a float32 dtype and writes integer bit patterns (1 reads back as 1.4e-45).
 */
export function oneHotFloat(idx: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(idx, depth), 'float32') as tf.Tensor2D);
}

/**
 * Squared Euclidean distances `[N, K]` between rows of `z [N, D]` and `codebook [K, D]`:
 * ‖z‖² − 2 z·cᵀ + ‖c‖², clamped at 0. Differentiable (plain ops); the transpose is explicit.
 */
export function squaredDistances(z: tf.Tensor2D, codebook: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const z2 = tf.sum(tf.square(z), 1, true); // [N, 1]
    const c2 = tf.reshape(tf.sum(tf.square(codebook), 1), [1, -1]); // [1, K]
    const zc = tf.matMul(z, tf.transpose(codebook)); // [N, K]
    return tf.relu(tf.add(tf.sub(z2, tf.mul(zc, 2)), c2)) as tf.Tensor2D;
  });
}

/** Rows scaled to unit L2 norm (PyTorch's F.normalize, eps 1e-12). Differentiable. */
export function l2normalize<T extends tf.Tensor>(x: T, eps = 1e-12): T {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.sum(tf.square(x), -1, true));
    return tf.div(x, tf.maximum(norm, eps)) as T;
  });
}

/** Mean squared error over all elements, as a scalar. */
export function mse(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.mean(tf.squaredDifference(a, b)) as tf.Scalar;
}

/** Entropy along the last axis with the reference's clamp: −Σ p·log(max(p, eps)). */
export function entropy(p: tf.Tensor, eps = 1e-5): tf.Tensor {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(p, tf.log(tf.maximum(p, eps))), -1)));
}

/** Entropy of independent bits with P(bit = 1) = p, elementwise, same clamp as `entropy`. */
export function binaryEntropy(p: tf.Tensor, eps = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const q = tf.sub(1, p);
    return tf.neg(tf.add(tf.mul(p, tf.log(tf.maximum(p, eps))), tf.mul(q, tf.log(tf.maximum(q, eps)))));
  });
}

/**
 * The rotation trick (Fifty et al. 2024, as vector-quantize-pytorch's `rotation_trick`): the
 * value is `q`; the gradient to `z` is the upstream gradient carried through the (detached)
 * rotation-and-rescale that maps `z` onto `q`: dz = λ(dy − 2r(r·dy) + 2e(q̂·dy)) with
 * e = z/‖z‖, q̂ = q/‖q‖, r = normalize(e + q̂), λ = ‖q‖/‖z‖. No gradient to `q`.
 */
export function rotateTo(z: tf.Tensor2D, q: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((a, b, save) => {
    const zt = a as tf.Tensor2D;
    const qt = b as tf.Tensor2D;
    (save as tf.GradSaveFunc)([zt, qt]);
    return {
      value: qt.clone(),
      gradFunc: ((dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [zs, qs] = saved as [tf.Tensor2D, tf.Tensor2D];
        const zn = tf.sqrt(tf.sum(tf.square(zs), 1, true));
        const qn = tf.sqrt(tf.sum(tf.square(qs), 1, true));
        const e = tf.div(zs, tf.maximum(zn, 1e-6));
        const qh = tf.div(qs, tf.maximum(qn, 1e-6));
        const r = l2normalize(tf.add(e, qh), 1e-6);
        const lambda = tf.div(qn, tf.maximum(zn, 1e-6));
        const rdy = tf.sum(tf.mul(r, dy), 1, true);
        const qdy = tf.sum(tf.mul(qh, dy), 1, true);
        const dz = tf.mul(lambda, tf.add(tf.sub(dy, tf.mul(r, tf.mul(rdy, 2))), tf.mul(e, tf.mul(qdy, 2))));
        return [dz, tf.zerosLike(qs)];
      }) as (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[],
    };
  });
  return op(z, q) as tf.Tensor2D;
}

/** A zero scalar, for quantizers without a loss. */
export function zeroScalar(): tf.Scalar {
  return tf.scalar(0);
}
