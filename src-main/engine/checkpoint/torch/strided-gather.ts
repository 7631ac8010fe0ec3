import { DTYPE_BYTES, elementReader } from './storage-dtypes';
import type { TorchDType } from './pickle-values';

/**
 * A strided view over a storage, made contiguous: what `tensor.contiguous().float()` gives in
 * PyTorch. `span` says which elements of the storage the view touches, so that only those bytes
 * are read from the file.
 */

export interface StridedView {
  dtype: TorchDType;
  offset: number;
  shape: readonly number[];
  stride: readonly number[];
}

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Storage elements [first, end) the view touches; null when it has no elements. */
export function viewSpan(v: StridedView): { first: number; end: number } | null {
  if (v.shape.some((d) => d === 0)) return null;
  let last = v.offset;
  for (let i = 0; i < v.shape.length; i++) last += (v.shape[i]! - 1) * v.stride[i]!;
  return { first: v.offset, end: last + 1 };
}

/**
 * Reads the view out of `bytes`, which hold storage elements from `first` on, into a row-major
 * Float32Array.
 */
export function gatherFloat32(v: StridedView, bytes: Uint8Array, first: number): Float32Array {
  const n = numelOf(v.shape);
  const out = new Float32Array(n);
  if (n === 0) return out;
  const at = elementReader(v.dtype, bytes);
  const rank = v.shape.length;
  const base = v.offset - first;
  if (isRowMajor(v)) {
    if (v.dtype === 'float32' && (bytes.byteOffset + base * 4) % 4 === 0) {
      out.set(new Float32Array(bytes.buffer, bytes.byteOffset + base * 4, n));
    } else {
      for (let i = 0; i < n; i++) out[i] = at(base + i);
    }
    return out;
  }
  // An odometer over the indices, innermost fastest: no recursion, any rank.
  const idx = new Array<number>(rank).fill(0);
  let src = base;
  const inner = rank - 1;
  const innerSize = v.shape[inner]!;
  const innerStride = v.stride[inner]!;
  for (let o = 0; o < n; ) {
    for (let j = 0; j < innerSize; j++) out[o++] = at(src + j * innerStride);
    let d = inner - 1;
    for (; d >= 0; d--) {
      idx[d]!++;
      src += v.stride[d]!;
      if (idx[d]! < v.shape[d]!) break;
      src -= v.stride[d]! * v.shape[d]!;
      idx[d] = 0;
    }
    if (d < 0) break;
  }
  return out;
}

/** Whether the view is laid out row-major (size-1 dimensions may have any stride). */
export function isRowMajor(v: StridedView): boolean {
  let expect = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    if (v.shape[i]! !== 1 && v.stride[i]! !== expect) return false;
    expect *= v.shape[i]!;
  }
  return true;
}

export function bytesPerElement(dtype: TorchDType): number {
  return DTYPE_BYTES[dtype];
}
