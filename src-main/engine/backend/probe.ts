import * as tf from '@tensorflow/tfjs-core';

/**
 * A backend is only used if it can train: a small conv forward + backward on it must run and
 * give finite gradients. Returns null on success, else why it failed.
 */
export async function probeTraining(): Promise<string | null> {
  try {
    const grads = tf.tidy(() => {
      const x = tf.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 1);
      const w = tf.randomUniform([4, 4, 3, 4], -0.5, 0.5, 'float32', 2);
      const wt = tf.randomUniform([4, 4, 3, 4], -0.5, 0.5, 'float32', 3);
      const f = (xx: tf.Tensor, ww: tf.Tensor, wwt: tf.Tensor) => {
        const y = tf.relu(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 2, 1));
        const back = tf.conv2dTranspose(y, wwt as tf.Tensor4D, [2, 8, 8, 3], 2, 'same');
        return tf.mean(tf.square(back));
      };
      const g = tf.grads(f)([x, w, wt]);
      return tf.stack(g.map((t) => tf.sum(tf.abs(t))));
    });
    const v = await grads.data();
    grads.dispose();
    if (![...v].every((n) => Number.isFinite(n))) return 'probe gave non-finite gradients';
    if (v[1] === 0) return 'probe gave a zero filter gradient';
    return null;
  } catch (err) {
    return `probe failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}
