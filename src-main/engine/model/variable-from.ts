import * as tf from '@tensorflow/tfjs-core';

/**
 * A trainable variable holding `init`'s values, consuming `init`. In tfjs 4.22 `tf.variable`
 * does not copy: the variable shares the initial tensor's data (one more reference) and the
 * initial tensor stays alive and counted until disposed, so without this every layer leaked one
 * tensor per ConvNet built.
 */
export function variableFrom(init: tf.Tensor, trainable = true): tf.Variable {
  const v = tf.variable(init, trainable);
  init.dispose();
  return v;
}
