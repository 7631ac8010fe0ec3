import * as tf from '@tensorflow/tfjs-core';
import { callKernel } from './kernel-call';

/**
 * Kernels the wasm backend lacks or runs slowly, written in terms of the kernels it does have
 * fast (XNNPACK convolutions, flag-free matmul). Registered once, after the wasm backend is
 * initialised; each is tested against the pure-JS cpu backend in wasm-kernels.test.ts.
 */

const BACKEND = 'wasm';
const dispose = (backend: tf.KernelBackend, ...infos: tf.TensorInfo[]) => {
  for (const i of infos) backend.disposeData(i.dataId);
};

/** The attributes both convolution gradients share. */
interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

interface FilterAttrs extends ConvGradAttrs {
  filterShape: [number, number, number, number];
}

/**
 * dW[kh,kw,ci,co] = Σ_{b,oy,ox} x[b, oy·s+kh−pt, ox·s+kw−pl, ci] · dy[b,oy,ox,co].
 * Read with the batch as the contracted "channel", that is a stride-1 convolution of x
 * (as [ci, H, W, B]) with dy (as the filter [oh, ow, B, co]) dilated by the stride; its output
 * [ci, kh, kw, co] is the filter gradient up to one transpose. Padding at the bottom/right is
 * whatever makes the output exactly kh × kw (negative means: crop x first).
 * (Measured and rejected on wasm: im2col + one matmul, 3–25× slower — strided slices and a
 * concat cost more than they save; one matmul per kernel tap over all positions, 1.4–5× slower.)
 */
function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { backend } = args;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as FilterAttrs;
  if (attrs.dataFormat !== 'NHWC') throw new Error(`wasm Conv2DBackpropFilter supports NHWC only, got ${attrs.dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const [B, H, W, Ci] = x.shape as [number, number, number, number];
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  // Rows of x the gradient actually touches: pt before, then (oh−1)·sh + kh − pt of x.
  let pb = (oh - 1) * sh + kh - H - pt;
  let pr = (ow - 1) * sw + kw - W - pl;
  const owned: tf.TensorInfo[] = [];
  let src = x;
  if (pb < 0 || pr < 0) {
    const keepH = H + Math.min(pb, 0);
    const keepW = W + Math.min(pr, 0);
    src = callKernel('Slice', backend, BACKEND, { x }, { begin: [0, 0, 0, 0], size: [B, keepH, keepW, Ci] });
    owned.push(src);
    pb = Math.max(pb, 0);
    pr = Math.max(pr, 0);
  }
  const xT = callKernel('Transpose', backend, BACKEND, { x: src }, { perm: [3, 1, 2, 0] });
  const dyT = callKernel('Transpose', backend, BACKEND, { x: dy }, { perm: [1, 2, 0, 3] });
  const conv = callKernel(
    'Conv2D',
    backend,
    BACKEND,
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [pt, pb],
        [pl, pr],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [sh, sw],
    },
  );
  const out = callKernel('Transpose', backend, BACKEND, { x: conv }, { perm: [1, 2, 0, 3] });
  dispose(backend, xT, dyT, conv, ...owned);
  return out;
}

interface InputAttrs extends ConvGradAttrs {
  inputShape: [number, number, number, number];
}

/**
 * dx of a strided convolution (= the transposed convolution the decoder runs), by sub-pixel
 * decomposition instead of wasm's own direct loops (measured 5–10× slower): output pixel
 * y = s·m + r − p receives Σ_j dy[m − j] · W[r + s·j], a stride-1 correlation of dy with the
 * flipped sub-kernel of phase r. All s² phases run as ONE XNNPACK convolution with s²·Cin
 * output channels, a reshape/transpose interleaves the phases, and a slice drops the padding.
 */
function conv2DBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { backend } = args;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as InputAttrs;
  if (attrs.dataFormat !== 'NHWC') throw new Error(`wasm Conv2DBackpropInput supports NHWC only, got ${attrs.dataFormat}`);
  const [kh, kw, cin, cout] = filter.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, [kh, kw, cin, cout], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { strideHeight: sh, strideWidth: sw, batchSize: N, inHeight: H, inWidth: W } = info;
  const [, oh, ow] = dy.shape as [number, number, number, number];
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const jh = Math.ceil(kh / sh);
  const jw = Math.ceil(kw / sw);
  // Phase rows m run over 0..M−1 with y + pt = s·m + r; M covers every output row.
  const mh = Math.max(oh + jh - 1, Math.ceil((pt + H) / sh));
  const mw = Math.max(ow + jw - 1, Math.ceil((pl + W) / sw));

  // G[th, tw, co, (rh·sw + rw)·cin + ci] = W[rh + sh·(jh−1−th), rw + sw·(jw−1−tw), ci, co] (0 past the kernel).
  const w = backend.readSync(filter.dataId) as Float32Array;
  const phases = sh * sw;
  const g = new Float32Array(jh * jw * cout * phases * cin);
  for (let th = 0; th < jh; th++) {
    for (let tw = 0; tw < jw; tw++) {
      for (let rh = 0; rh < sh; rh++) {
        const y = rh + sh * (jh - 1 - th);
        if (y >= kh) continue;
        for (let rw = 0; rw < sw; rw++) {
          const x = rw + sw * (jw - 1 - tw);
          if (x >= kw) continue;
          const phase = rh * sw + rw;
          for (let ci = 0; ci < cin; ci++) {
            const src = ((y * kw + x) * cin + ci) * cout;
            const dst = (th * jw + tw) * cout * phases * cin + phase * cin + ci;
            for (let co = 0; co < cout; co++) g[dst + co * phases * cin] = w[src + co]!;
          }
        }
      }
    }
  }
  const gShape = [jh, jw, cout, phases * cin];
  const gInfo: tf.TensorInfo = { dataId: backend.write(g, gShape, 'float32'), shape: gShape, dtype: 'float32' };
  const conv = callKernel(
    'Conv2D',
    backend,
    BACKEND,
    { x: dy, filter: gInfo },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [jh - 1, mh - oh],
        [jw - 1, mw - ow],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [1, 1],
    },
  );
  const owned = [gInfo, conv];
  let full = conv;
  if (phases > 1) {
    // Interleave the phases (a DepthToSpace, whose wasm kernel is ~10× slower than this):
    // [N·M, M', s, s·cin] → swap axes 1 and 2 → [N, M·s, M'·s, cin].
    const r1 = callKernel('Reshape', backend, BACKEND, { x: conv }, { shape: [N * mh, mw, sh, sw * cin] });
    const tr = callKernel('Transpose', backend, BACKEND, { x: r1 }, { perm: [0, 2, 1, 3] });
    owned.push(r1, tr);
    full = callKernel('Reshape', backend, BACKEND, { x: tr }, { shape: [N, mh * sh, mw * sw, cin] });
    owned.push(full);
  }
  const out = callKernel('Slice', backend, BACKEND, { x: full }, { begin: [0, pt, pl, 0], size: [N, H, W, cin] });
  dispose(backend, ...owned);
  return out;
}

/**
 * wasm's BatchMatMul is fast only without transpose flags (measured 6 ms against 91 ms), and
 * autodiff of a matmul always asks for one: transpose explicitly, then call the original kernel.
 */
function fastBatchMatMul(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap }) => {
    const { backend } = args;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original.kernelFunc(args);
    const swapLast = (t: tf.TensorInfo) => {
      const perm = t.shape.map((_, i) => i);
      const n = perm.length;
      [perm[n - 2], perm[n - 1]] = [perm[n - 1]!, perm[n - 2]!];
      return callKernel('Transpose', backend, BACKEND, { x: t }, { perm });
    };
    const owned: tf.TensorInfo[] = [];
    const aa = transposeA ? swapLast(a) : a;
    const bb = transposeB ? swapLast(b) : b;
    if (transposeA) owned.push(aa);
    if (transposeB) owned.push(bb);
    const out = original.kernelFunc({ ...args, inputs: { a: aa, b: bb }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    dispose(backend, ...owned);
    return out;
  };
  return { ...original, kernelFunc: kernelFunc as tf.KernelFunc };
}

/** What was registered, for the backend's `reason` line. */
export const WASM_EXTRA_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput (sub-pixel)', 'BatchMatMul (explicit transposes)'] as const;

let registered = false;

/** Idempotent. Call after the wasm backend is registered (the import does that). */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  if (!tf.getKernel('Conv2DBackpropFilter', BACKEND)) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: BACKEND, kernelFunc: conv2DBackpropFilter as tf.KernelFunc });
  }
  // Replaces wasm's own (direct loops): the decoder's transposed convolutions run on this.
  if (tf.getKernel('Conv2DBackpropInput', BACKEND)) tf.unregisterKernel('Conv2DBackpropInput', BACKEND);
  tf.registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: BACKEND, kernelFunc: conv2DBackpropInput as tf.KernelFunc });
  const matmul = tf.getKernel('BatchMatMul', BACKEND);
  if (matmul) {
    tf.unregisterKernel('BatchMatMul', BACKEND);
    tf.registerKernel(fastBatchMatMul(matmul));
  }
}
