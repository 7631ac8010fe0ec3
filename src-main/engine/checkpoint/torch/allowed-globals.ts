import { isStorageRef, PyDict, PyTuple, isTensorView, typeName, type GlobalRef, type PickleValue, type TensorView } from './pickle-values';
import { STORAGE_DTYPES } from './storage-dtypes';

/**
 * The only globals a checkpoint may name, and what calling each does: TokenScope's own code,
 * written here, never anything looked up by the name found in the file. Everything else
 * (`os.system`, `builtins.eval`, `posix.system`, any class) is refused when the pickle names
 * it, before it could be called. This is the whole of what makes reading a checkpoint safe.
 */

export type Fail = (problem: string) => never;

type Implementation = (args: PickleValue[], fail: Fail) => PickleValue;

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function intList(v: PickleValue, what: string, fail: Fail): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items) fail(`${what} is a ${typeName(v)}, not a tuple of sizes`);
  if (items.length > 64) fail(`${what} has ${items.length} dimensions (at most 64)`);
  return items.map((d, i) => {
    if (!isCount(d)) fail(`${what}[${i}] is ${typeof d === 'bigint' ? d : typeName(d)}, not a non-negative integer`);
    return d;
  });
}

/** `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`. */
function rebuildTensor(args: PickleValue[], fail: Fail): TensorView {
  if (args.length < 4) fail(`_rebuild_tensor called with ${args.length} arguments (expected storage, offset, size, stride, …)`);
  const [storage, offset, size, stride] = args;
  if (!isStorageRef(storage)) fail(`_rebuild_tensor's storage is a ${typeName(storage)}, not a storage persistent id`);
  if (!isCount(offset)) fail(`_rebuild_tensor's storage offset ${String(offset)} is not a non-negative integer`);
  const shape = intList(size!, 'tensor size', fail);
  const strides = intList(stride!, 'tensor stride', fail);
  if (shape.length !== strides.length) fail(`tensor size has ${shape.length} dimensions but its stride has ${strides.length}`);
  return { kind: 'tensor', storage, offset, shape, stride: strides };
}

/** `_rebuild_parameter(data, requires_grad, backward_hooks[, state])`: an nn.Parameter is its data here. */
function rebuildParameter(args: PickleValue[], fail: Fail): TensorView {
  const data = args[0];
  if (!isTensorView(data)) fail(`_rebuild_parameter's data is a ${typeName(data)}, not a tensor`);
  return data;
}

function orderedDict(args: PickleValue[], fail: Fail): PyDict {
  const d = new PyDict();
  if (args.length === 0) return d;
  // OrderedDict([(k, v), ...]): the other form its __reduce__ may take.
  const pairs = args[0];
  if (args.length > 1 || !Array.isArray(pairs)) fail('collections.OrderedDict called with arguments other than a list of pairs');
  for (const p of pairs) {
    if (!(p instanceof PyTuple) || p.items.length !== 2) fail('collections.OrderedDict given an item that is not a (key, value) pair');
    d.map.set(p.items[0]!, p.items[1]!);
  }
  return d;
}

const CALLABLES: ReadonlyMap<string, Implementation> = new Map<string, Implementation>([
  ['collections.OrderedDict', orderedDict],
  ['torch._utils._rebuild_tensor', rebuildTensor],
  ['torch._utils._rebuild_tensor_v2', rebuildTensor],
  ['torch._utils._rebuild_parameter', rebuildParameter],
  ['torch._utils._rebuild_parameter_with_state', rebuildParameter],
]);

/** The GLOBAL opcode: a name this reader knows, or a refusal naming what the file asked for. */
export function resolveGlobal(module: string, name: string, fail: Fail): GlobalRef {
  const full = `${module}.${name}`;
  const storage = module === 'torch' && Object.prototype.hasOwnProperty.call(STORAGE_DTYPES, name);
  if (!storage && !CALLABLES.has(full)) {
    fail(
      `refused to load: the pickle names the global ${full}, which is not a tensor, dict, list, number or string. ` +
        'A checkpoint has no reason to name it; it may be an attempt to run code. Nothing was executed.',
    );
  }
  return { kind: 'global', module, name };
}

/** REDUCE: calls an allowed global through TokenScope's own implementation of it. */
export function callGlobal(g: GlobalRef, args: PickleValue[], fail: Fail): PickleValue {
  const impl = CALLABLES.get(`${g.module}.${g.name}`);
  if (!impl) fail(`refused to call ${g.module}.${g.name}: it is not a function a checkpoint may call`);
  return impl(args, fail);
}

/** The storage type named in a persistent id (`torch.FloatStorage` …) as its element type. */
export function storageDType(g: PickleValue, fail: Fail) {
  const ref = g as GlobalRef;
  if (typeof g !== 'object' || g === null || (g as { kind?: unknown }).kind !== 'global' || ref.module !== 'torch' || !Object.prototype.hasOwnProperty.call(STORAGE_DTYPES, ref.name)) {
    fail(`persistent id names a storage type ${typeName(g)} that is not one of torch's ${Object.keys(STORAGE_DTYPES).join(', ')}`);
  }
  return STORAGE_DTYPES[ref.name]!;
}
