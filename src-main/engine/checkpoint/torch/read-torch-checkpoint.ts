import { promises as fs } from 'node:fs';
import { openRegularFile, readRange } from '../../../data/read-bytes';
import { TorchCheckpointError } from './errors';
import { isLegacyTorchFile, SIGNATURE_BYTES } from './file-signature';
import { isTensorView, PyDict, typeName, type PickleValue, type TensorView, type TorchDType } from './pickle-values';
import { keyText, toPlain } from './plain-values';
import { bytesPerElement, gatherFloat32, isRowMajor, numelOf, viewSpan } from './strided-gather';
import { unpickle } from './unpickler';
import { ZipArchive } from './zip-archive';

/**
 * `.pth` / `.pt` / `.ckpt` files as torch.save writes them: a zip holding `<archive>/data.pkl`
 * (the pickled object), `<archive>/data/<key>` (one member per storage), `<archive>/version`
 * and, in newer torch, `<archive>/byteorder`. The pickle is read with the restricted unpickler;
 * the state dict's tensors are validated against their storages up front and read lazily, one
 * at a time, only the bytes each needs.
 */

export interface TorchTensorRef {
  name: string;
  dtype: TorchDType;
  shape: number[];
  /** Contiguous row-major values, converted to float32. */
  read(): Promise<Float32Array>;
}

export interface TorchCheckpoint {
  file: string;
  stateDict: Map<string, TorchTensorRef>;
  /** The file's other top-level entries (epoch …), plain values only; tensors are described, not read. */
  extra: Record<string, unknown>;
  close(): Promise<void>;
}

export interface ReadTorchOptions {
  /**
   * The most bytes the state dict may take as float32, all tensors together (default 4 GiB):
   * a file declaring more is refused before anything is read.
   */
  memoryBudgetBytes?: number;
}

const DEFAULT_BUDGET = 4 * 1024 ** 3;
// The pickle of a state dict with optimizer state is kilobytes; this bounds a hostile one.
const MAX_PICKLE_BYTES = 256 * 1024 * 1024;
/** Keys under which training scripts keep the model's state dict (OccWorld: `state_dict`). */
const STATE_DICT_KEYS = ['state_dict', 'model'];

export async function readTorchCheckpoint(file: string, opts: ReadTorchOptions = {}): Promise<TorchCheckpoint> {
  const budget = opts.memoryBudgetBytes ?? DEFAULT_BUDGET;
  await refuseLegacy(file);
  const zip = await ZipArchive.open(file);
  try {
    const fail: (problem: string) => never = (problem) => {
      throw new TorchCheckpointError(file, problem);
    };
    const pkl = [...zip.members.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (pkl.length !== 1) {
      fail(pkl.length ? `holds ${pkl.length} data.pkl members (${pkl.join(', ')}), expected one` : 'is a zip but not a torch.save checkpoint (no <archive>/data.pkl)');
    }
    const prefix = pkl[0]!.slice(0, -'data.pkl'.length);
    if (zip.members.has(`${prefix}constants.pkl`) || [...zip.members.keys()].some((n) => n.startsWith(`${prefix}code/`))) {
      fail('is a TorchScript archive (torch.jit.save), which holds code, not a torch.save checkpoint: save model.state_dict() with torch.save instead');
    }
    await checkByteOrder(zip, prefix, fail);
    const pklSize = zip.members.get(pkl[0]!)!.size;
    if (pklSize > MAX_PICKLE_BYTES) fail(`data.pkl is ${pklSize} bytes, over the ${MAX_PICKLE_BYTES}-byte limit`);
    let root: PickleValue = null;
    try {
      root = unpickle(await zip.read(pkl[0]!), { source: 'data.pkl' });
    } catch (err) {
      if (err instanceof TorchCheckpointError) throw err;
      fail((err as Error).message);
    }
    const { dict, key } = findStateDict(root, fail);
    const stateDict = new Map<string, TorchTensorRef>();
    let total = 0;
    for (const [k, v] of dict.map) {
      const raw = keyText(k);
      if (typeof k !== 'string') fail(`state dict key ${raw} is a ${typeName(k)}, not a string`);
      // DataParallel / DistributedDataParallel save every name under `module.`.
      const name = raw.startsWith('module.') ? raw.slice('module.'.length) : raw;
      if (!isTensorView(v)) fail(`state dict entry "${raw}" is a ${typeName(v)}, not a tensor`);
      if (stateDict.has(name)) fail(`state dict holds "${name}" twice (with and without the module. prefix)`);
      stateDict.set(name, tensorRef(zip, prefix, name, v, budget, fail));
      total += numelOf(v.shape) * 4;
    }
    if (total > budget) fail(`the state dict's ${stateDict.size} tensors would take ${total} bytes as float32, over the memory budget of ${budget} bytes`);
    const extra: Record<string, unknown> = {};
    if (key !== null && root instanceof PyDict) {
      for (const [k, v] of root.map) if (k !== key) extra[keyText(k)] = toPlain(v);
    }
    return { file, stateDict, extra, close: () => zip.close() };
  } catch (err) {
    await zip.close();
    throw err;
  }
}

async function refuseLegacy(file: string): Promise<void> {
  let head: Buffer;
  try {
    const { handle, size } = await openRegularFile(file);
    try {
      head = Buffer.from(await readRange(handle, file, 0, Math.min(SIGNATURE_BYTES, size)));
    } finally {
      await handle.close();
    }
  } catch {
    return; // ZipArchive.open reports a missing or unreadable file.
  }
  if (isLegacyTorchFile(head)) {
    throw new TorchCheckpointError(
      file,
      "uses torch's legacy (non-zip) format, which TokenScope does not read: re-save it with a current torch.save (zip format), e.g. torch.save(torch.load(old), new)",
    );
  }
}

async function checkByteOrder(zip: ZipArchive, prefix: string, fail: (p: string) => never): Promise<void> {
  const name = `${prefix}byteorder`;
  if (!zip.members.has(name)) return; // torch before 2.1 writes none: little-endian.
  if (zip.members.get(name)!.size > 16) fail('byteorder member is not "little" or "big"');
  const order = (await zip.read(name)).toString('latin1').trim();
  if (order !== 'little') fail(`storages are ${JSON.stringify(order)}-endian; only little-endian checkpoints are read`);
}

function findStateDict(root: PickleValue, fail: (p: string) => never): { dict: PyDict; key: string | null } {
  if (!(root instanceof PyDict)) fail(`holds a ${typeName(root)}, not a state dict (a dict of tensors)`);
  for (const key of STATE_DICT_KEYS) {
    const v = root.map.get(key);
    if (v instanceof PyDict) return { dict: v, key };
  }
  return { dict: root, key: null };
}

function tensorRef(zip: ZipArchive, prefix: string, name: string, v: TensorView, budget: number, fail: (p: string) => never): TorchTensorRef {
  const dtype = v.storage.dtype;
  const shape = [...v.shape];
  const n = numelOf(shape);
  const what = `tensor "${name}" [${shape.join(', ')}] ${dtype}`;
  if (!Number.isSafeInteger(n) || n * 4 > budget) {
    fail(`${what} would take ${Number.isSafeInteger(n) ? n * 4 : 'too many'} bytes as float32, over the memory budget of ${budget} bytes`);
  }
  const member = `${prefix}data/${v.storage.key}`;
  const info = zip.members.get(member);
  if (!info) fail(`${what}: its storage ${member} is missing from the archive`);
  // A deflated member is inflated whole: its declared size, not the tensor's, is what it costs.
  if (info.method !== 0 && info.size > budget) fail(`${what}: storage ${member} is compressed and inflates to ${info.size} bytes, over the memory budget of ${budget} bytes`);
  const es = bytesPerElement(dtype);
  if (v.storage.numel * es > info.size) {
    fail(`${what}: storage ${member} holds ${info.size} bytes, less than the ${v.storage.numel} × ${es} its header declares (truncated or corrupt)`);
  }
  const view = { dtype, offset: v.offset, shape, stride: v.stride };
  const span = viewSpan(view);
  if (span && span.end > v.storage.numel) {
    fail(`${what} (offset ${v.offset}, stride [${v.stride.join(', ')}]) reaches element ${span.end - 1} of a storage of ${v.storage.numel} elements`);
  }
  return {
    name,
    dtype,
    shape,
    async read() {
      if (!span) return new Float32Array(0);
      if (dtype === 'float32' && isRowMajor(view)) {
        // The common case: the file's bytes are the answer; read them into it, with no copy.
        const out = new Float32Array(n);
        if (await zip.readInto(member, span.first * es, new Uint8Array(out.buffer))) return out;
      }
      const bytes = await zip.readRange(member, span.first * es, span.end * es);
      return gatherFloat32(view, bytes, span.first);
    },
  };
}
