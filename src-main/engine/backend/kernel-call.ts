import * as tf from '@tensorflow/tfjs-core';

/**
 * Calls another registered kernel of the same backend from inside a kernel, the way the
 * backends' own composite kernels do (no tf ops, so no engine bookkeeping or tape inside a
 * kernel). Intermediate results must be freed with `backend.disposeData(info.dataId)`.
 */
export function callKernel(
  name: string,
  backend: tf.KernelBackend,
  backendName: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown>,
): tf.TensorInfo {
  const kernel = tf.getKernel(name, backendName);
  if (!kernel) throw new Error(`kernel ${name} is not registered on backend ${backendName}`);
  const out = kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  if (Array.isArray(out)) throw new Error(`kernel ${name} returned several outputs where one was expected`);
  return out;
}
