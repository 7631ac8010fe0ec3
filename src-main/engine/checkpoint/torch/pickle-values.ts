/**
 * What the restricted unpickler builds: plain data, plus the two torch objects a checkpoint is
 * made of (storages named by persistent id, tensors viewing them). Python tuples, dicts and
 * sets get their own small classes so that code walking the tree can tell them apart from lists.
 */

export type TorchDType = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** A storage as torch.save names it: `('storage', torch.FloatStorage, key, location, numel)`. */
export interface StorageRef {
  readonly kind: 'storage';
  dtype: TorchDType;
  /** The archive member `data/<key>` holding its bytes. */
  key: string;
  location: string;
  /** Elements in the storage. */
  numel: number;
}

/** `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)`: a strided view. */
export interface TensorView {
  readonly kind: 'tensor';
  storage: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
}

export class PyTuple {
  constructor(readonly items: PickleValue[]) {}
}

/** dict and collections.OrderedDict alike (insertion order is kept either way). */
export class PyDict {
  readonly map = new Map<PickleKey, PickleValue>();
}

export class PySet {
  constructor(readonly items: PickleValue[]) {}
}

/** A dict key: strings and numbers compare by value; anything else by identity. */
export type PickleKey = PickleValue;

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | PyTuple
  | PyDict
  | PySet
  | StorageRef
  | TensorView
  | GlobalRef;

/**
 * A global the unpickler allowed (GLOBAL / STACK_GLOBAL): a name, never a Python object. It can
 * be called by REDUCE only through the implementation TokenScope wrote for it (allowed-globals.ts).
 */
export interface GlobalRef {
  readonly kind: 'global';
  module: string;
  name: string;
}

export function isTensorView(v: unknown): v is TensorView {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'tensor';
}

export function isStorageRef(v: unknown): v is StorageRef {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'storage';
}

/** A short description of a value's Python type, for error messages. */
export function typeName(v: unknown): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyDict) return 'dict';
  if (v instanceof PySet) return 'set';
  if (isTensorView(v)) return 'Tensor';
  if (isStorageRef(v)) return 'Storage';
  if (typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'global') return `<${(v as GlobalRef).module}.${(v as GlobalRef).name}>`;
  return typeof v;
}
