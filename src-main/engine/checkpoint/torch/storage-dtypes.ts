import { halfToFloat } from '../../../data/npy';
import type { TorchDType } from './pickle-values';

/**
 * torch's typed storage classes as checkpoints name them (`torch.FloatStorage` …), with the
 * element type and size of the bytes in `data/<key>`. Complex and quantized storages are not here:
 * no tokenizer state dict holds them, and refusing is clearer than misreading.
 */
export const STORAGE_DTYPES: Readonly<Record<string, TorchDType>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

export const DTYPE_BYTES: Readonly<Record<TorchDType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

// A 65536-entry table: half → float is the hot loop of reading a float16 checkpoint.
const HALF_TABLE = (() => {
  const t = new Float32Array(65536);
  for (let i = 0; i < 65536; i++) t[i] = halfToFloat(i);
  return t;
})();

/**
 * Element `i` of a little-endian byte buffer of `dtype`, as a float32-representable number
 * (int64 beyond 2^24 loses precision exactly as a float32 cast in torch would).
 */
export function elementReader(dtype: TorchDType, bytes: Uint8Array): (i: number) => number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'float32':
      return (i) => view.getFloat32(i * 4, true);
    case 'float16':
      return (i) => HALF_TABLE[view.getUint16(i * 2, true)]!;
    case 'bfloat16': {
      // bfloat16 is the top half of a float32.
      const f = new Float32Array(1);
      const u = new Uint32Array(f.buffer);
      return (i) => {
        u[0] = view.getUint16(i * 2, true) << 16;
        return f[0]!;
      };
    }
    case 'float64':
      return (i) => view.getFloat64(i * 8, true);
    case 'int64':
      return (i) => Number(view.getBigInt64(i * 8, true));
    case 'int32':
      return (i) => view.getInt32(i * 4, true);
    case 'int16':
      return (i) => view.getInt16(i * 2, true);
    case 'int8':
      return (i) => view.getInt8(i);
    case 'uint8':
      return (i) => view.getUint8(i);
    case 'bool':
      return (i) => (view.getUint8(i) ? 1 : 0);
  }
}
