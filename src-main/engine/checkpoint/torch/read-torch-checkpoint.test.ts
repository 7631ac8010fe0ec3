import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { probePython } from '../python-check';
import { checkStateDict, readTorchCheckpoint, StateDictMismatchError, TorchCheckpointError, type TorchCheckpoint } from './index';
import { makeTorchFixtures, type TorchFixtures } from './test-fixtures';

/**
 * The PyTorch checkpoint reader against files written by real torch.save: values equal to what
 * PyTorch prints for every dtype and strided view, OccWorld's nested layout with optimizer
 * state, DataParallel prefixes; and hostile or broken files refused with one clear error each,
 * nothing executed.
 */

const py = probePython(['torch']);
let dir = '';
let fx: TorchFixtures;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-pth-'));
  if (py.ok) fx = makeTorchFixtures(dir);
});
afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

async function withCheckpoint<T>(name: string, use: (ck: TorchCheckpoint) => Promise<T>, opts?: { memoryBudgetBytes?: number }): Promise<T> {
  const ck = await readTorchCheckpoint(path.join(dir, name), opts);
  try {
    return await use(ck);
  } finally {
    await ck.close();
  }
}

async function refusal(name: string, opts?: { memoryBudgetBytes?: number }): Promise<string> {
  const file = path.join(dir, name);
  const err = await readTorchCheckpoint(file, opts).then(
    async (ck) => {
      // Problems with a tensor's bytes may only show when it is read.
      try {
        for (const t of ck.stateDict.values()) await t.read();
      } finally {
        await ck.close();
      }
      return null;
    },
    (e: unknown) => e,
  );
  expect(err, `${name} should be refused`).toBeInstanceOf(Error);
  const message = (err as Error).message;
  expect(message.startsWith(file)).toBe(true);
  return message;
}

describe.skipIf(!py.ok)(`torch.save checkpoints read in TypeScript${py.ok ? '' : ` (skipped: ${py.reason})`}`, () => {
  it('reads every dtype and every strided view exactly as PyTorch sees it', async () => {
    await withCheckpoint('dtypes.pth', async (ck) => {
      expect([...ck.stateDict.keys()]).toEqual(Object.keys(fx.dtypes));
      expect(ck.stateDict.get('f16')!.dtype).toBe('float16');
      expect(ck.stateDict.get('bf16')!.dtype).toBe('bfloat16');
      expect(ck.stateDict.get('i64')!.dtype).toBe('int64');
      expect(ck.stateDict.get('bool')!.dtype).toBe('bool');
      for (const [name, want] of Object.entries(fx.dtypes)) {
        const t = ck.stateDict.get(name)!;
        expect(t.shape, name).toEqual(want.shape);
        expect(Array.from(await t.read()), name).toEqual(want.values);
      }
    });
  });

  it('reads a deflated re-zip of the same checkpoint to the same values', async () => {
    await withCheckpoint('deflated.pth', async (ck) => {
      for (const name of ['f32', 'transposed', 'sliced', 'bf16']) {
        expect(Array.from(await ck.stateDict.get(name)!.read()), name).toEqual(fx.dtypes[name]!.values);
      }
    });
  });

  it("finds OccWorld's {'state_dict', 'optimizer', 'scheduler', 'epoch', 'global_iter'} state dict and keeps epoch and the optimizer's settings as plain values", async () => {
    await withCheckpoint('occworld-style.pth', async (ck) => {
      const shapes = Object.fromEntries([...ck.stateDict].map(([k, t]) => [k, t.shape]));
      expect(shapes).toEqual(fx.occworldStyle.shapes);
      expect(ck.extra.epoch).toBe(3);
      expect(ck.extra.global_iter).toBe(1234);
      expect(ck.extra.scheduler).toMatchObject({ T_max: 10, last_epoch: 0, base_lrs: [fx.occworldStyle.lr] });
      const optim = ck.extra.optimizer as { param_groups: Array<{ lr: number; betas: number[] }>; state: Record<string, { exp_avg: unknown }> };
      expect(optim.param_groups[0]!.lr).toBe(fx.occworldStyle.lr);
      expect(optim.param_groups[0]!.betas).toEqual([0.9, 0.999]);
      expect(optim.state['0']!.exp_avg).toEqual({ tensor: 'float32', shape: fx.occworldStyle.shapes['0.weight'] });
      expect(JSON.parse(JSON.stringify(ck.extra))).toEqual(ck.extra);
    });
  });

  it("strips DataParallel's module. prefix and finds a state dict under 'model'", async () => {
    for (const file of ['dataparallel.pth', 'model-key.pt']) {
      await withCheckpoint(file, async (ck) => {
        expect(Object.fromEntries([...ck.stateDict].map(([k, t]) => [k, t.shape])), file).toEqual(fx.occworldStyle.shapes);
      });
    }
    await withCheckpoint('model-key.pt', async (ck) => expect(ck.extra).toEqual({ best_miou: 0.25 }));
  });

  it('says so when a tensor is read after close', async () => {
    const ck = await readTorchCheckpoint(path.join(dir, 'parameter.pth'));
    await ck.close();
    await ck.close();
    await expect(ck.stateDict.get('weight')!.read()).rejects.toThrow(/parameter\.pth: zip member .*data\/0: the checkpoint was closed before its tensors were read/);
  });

  it('reads an nn.Parameter saved as such', async () => {
    await withCheckpoint('parameter.pth', async (ck) => {
      expect(Array.from(await ck.stateDict.get('weight')!.read())).toEqual(fx.param.values);
    });
  });

  it('checkStateDict names the file, the tensor and both shapes for each problem, and lets known buffers through', async () => {
    await withCheckpoint('occworld-style.pth', async (ck) => {
      const expected = { ...fx.occworldStyle.shapes, '0.weight': [3, 2, 5, 5], 'extra.bias': [4] };
      delete (expected as Record<string, number[]>)['2.bias'];
      let err: unknown;
      try {
        checkStateDict(ck.file, expected, ck.stateDict);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StateDictMismatchError);
      const e = err as StateDictMismatchError;
      expect(e.message.startsWith(ck.file)).toBe(true);
      expect(e.problems).toHaveLength(3);
      expect(e.problems).toContain('tensor 0.weight is [3, 2, 3, 3] in the file but the model needs [3, 2, 5, 5]');
      expect(e.problems).toContain('missing tensor extra.bias (the model needs [4])');
      expect(e.problems).toContain('unexpected tensor 2.bias [2]: the model has no such parameter');
      expect(() => checkStateDict(ck.file, fx.occworldStyle.shapes, ck.stateDict)).not.toThrow();
      const withBuffer = new Map<string, { shape: number[] }>([...ck.stateDict, ['quantizer.cluster_size', { shape: [16] }]]);
      expect(() => checkStateDict(ck.file, fx.occworldStyle.shapes, withBuffer)).not.toThrow();
      expect(() => checkStateDict(ck.file, fx.occworldStyle.shapes, withBuffer, { allowExtra: () => false })).toThrow(/unexpected tensor quantizer.cluster_size \[16\]/);
    });
  });

  it('refuses a pickle that calls os.system or builtins.eval, and runs nothing', async () => {
    const sys = await refusal('os-system.pth');
    expect(sys).toMatch(/refused to load: the pickle names the global (posix|os)\.system/);
    const ev = await refusal('builtins-eval.pth');
    expect(ev).toMatch(/refused to load: the pickle names the global (__builtin__|builtins)\.eval/);
    expect(existsSync(path.join(dir, 'PWNED'))).toBe(false);
    // The same payload does run under torch.load: the refusal above is what kept it from running.
    expect(fx.hostileRunsUnderTorchLoad).toBe(true);
  });

  it('tells a TorchScript archive from a checkpoint', async () => {
    expect(await refusal('torchscript.pt')).toMatch(/is a TorchScript archive \(torch\.jit\.save\).*save model\.state_dict\(\) with torch\.save instead/);
  });

  it('gives the legacy (non-zip) format a re-save hint', async () => {
    expect(await refusal('legacy.pth')).toMatch(/legacy \(non-zip\) format.*re-save it with a current torch\.save \(zip format\)/);
  });

  it('refuses a truncated zip, a short or missing storage, and a garbage pickle', async () => {
    const whole = await fs.readFile(path.join(dir, 'dtypes.pth'));
    await fs.writeFile(path.join(dir, 'truncated.pth'), whole.subarray(0, Math.floor(whole.length * 0.6)));
    expect(await refusal('truncated.pth')).toMatch(/truncated/);
    expect(await refusal('short-storage.pth')).toMatch(/tensor "f32" \[4, 6\] float32: storage .*data\/0 holds 48 bytes, less than the 24 × 4/);
    expect(await refusal('missing-storage.pth')).toMatch(/tensor "f32" .*data\/0 is missing/);
    expect(await refusal('garbage-pickle.pth')).toMatch(/data\.pkl byte \d+ \(opcode 0x[0-9a-f]+\)/);
    await fs.writeFile(path.join(dir, 'not-a-zip.pth'), Buffer.from('hello, this is not a checkpoint at all'));
    expect(await refusal('not-a-zip.pth')).toMatch(/not a zip archive/);
  });

  it('stays bounded on deep nesting and memo floods', async () => {
    expect(await refusal('deep-nesting.pth')).toMatch(/holds a list, not a state dict/);
    expect(await refusal('memo-flood.pth')).toMatch(/memo entry 12345 was never stored/);
    await withCheckpoint('deep-extra.pth', async (ck) => {
      expect(ck.stateDict.size).toBe(0);
      let depth = 0;
      for (let v: unknown = ck.extra.nest; Array.isArray(v); v = v[0]) depth++;
      expect(depth).toBeLessThanOrEqual(32);
      expect(depth).toBeGreaterThan(1);
    });
  });

  it('refuses a declared shape over the memory budget before reading anything', async () => {
    expect(await refusal('huge-shape.pth')).toMatch(/tensor "huge" \[100000, 100000\] float32 would take 40000000000 bytes as float32, over the memory budget/);
    expect(await refusal('big.pth', { memoryBudgetBytes: 100_000 })).toMatch(/tensor "big" \[256, 256\].*over the memory budget of 100000 bytes/);
    await withCheckpoint('big.pth', async (ck) => expect((await ck.stateDict.get('big')!.read()).length).toBe(65536), { memoryBudgetBytes: 262_144 });
    // Each tensor fits a 220-byte budget; all of them together (292 bytes) do not.
    expect(await refusal('occworld-style.pth', { memoryBudgetBytes: 220 })).toMatch(/the state dict's 6 tensors would take 292 bytes as float32, over the memory budget of 220 bytes/);
  });

  it('names a missing file', async () => {
    const err = await readTorchCheckpoint(path.join(dir, 'nope.pth')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TorchCheckpointError);
    expect((err as Error).message).toBe(`${path.join(dir, 'nope.pth')}: no such file`);
  });
});

describe('hostile checkpoints written without Python', () => {
  it('refuses every global outside the allow-list, naming the file and the global, and runs nothing', async () => {
    const { makeHostilePth } = await import('./hostile-pth');
    const own = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-pth-hostile-'));
    try {
      const marker = path.join(own, 'PWNED');
      for (const [module, name] of [['posix', 'system'], ['os', 'system'], ['builtins', 'eval'], ['builtins', 'exec'], ['subprocess', 'check_output'], ['torch', 'load'], ['torch._utils', '_rebuild_device_tensor_from_numpy'], ['collections', 'defaultdict']] as const) {
        const file = path.join(own, `${module}.${name}.pth`);
        await fs.writeFile(file, makeHostilePth(name === 'eval' || name === 'exec' ? `__import__('os').system('touch ${marker}')` : `touch ${marker}`, module, name));
        const err = await readTorchCheckpoint(file).catch((e: unknown) => e);
        expect(err, file).toBeInstanceOf(TorchCheckpointError);
        expect((err as Error).message).toContain(`${file}: data.pkl byte `);
        expect((err as Error).message).toContain(`refused to load: the pickle names the global ${module}.${name}`);
      }
      expect(existsSync(marker)).toBe(false);
    } finally {
      await fs.rm(own, { recursive: true, force: true });
    }
  });
});

describe('bounded inflation', () => {
  it('refuses a deflated storage whose declared size is over the memory budget, before inflating it', async () => {
    const { zipSync } = await import('fflate');
    const { hostilePickle } = await import('./hostile-pth');
    // {'w': _rebuild_tensor_v2(('storage', torch.FloatStorage, '0', 'cpu', 4), 0, (4,), (1,), False, OrderedDict())}
    const u = (s: string) => [0x58, ...new Uint8Array(new Uint32Array([s.length]).buffer), ...Buffer.from(s)];
    const pkl = Uint8Array.from([
      0x80, 0x02, 0x7d, 0x28, ...u('w'),
      0x63, ...Buffer.from('torch._utils\n_rebuild_tensor_v2\n'),
      0x28, 0x28, ...u('storage'), 0x63, ...Buffer.from('torch\nFloatStorage\n'), ...u('0'), ...u('cpu'), 0x4b, 4, 0x74, 0x51,
      0x4b, 0, 0x4b, 4, 0x85, 0x4b, 1, 0x85, 0x89, 0x63, ...Buffer.from('collections\nOrderedDict\n'), 0x29, 0x52, 0x74, 0x52,
      0x75, 0x2e,
    ]);
    const own = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-pth-bomb-'));
    try {
      const file = path.join(own, 'bomb.pth');
      // 4 floats used, 1 MiB of zeros declared: a tiny deflated member that inflates far past the budget.
      await fs.writeFile(file, zipSync({ 'a/data.pkl': [pkl, { level: 0 }], 'a/data/0': [new Uint8Array(1 << 20), { level: 9 }] }));
      const err = await readTorchCheckpoint(file, { memoryBudgetBytes: 65_536 }).catch((e: unknown) => e);
      expect((err as Error).message).toBe(`${file}: tensor "w" [4] float32: storage a/data/0 is compressed and inflates to 1048576 bytes, over the memory budget of 65536 bytes`);
      await withFile(file, async (ck) => expect(Array.from(await ck.stateDict.get('w')!.read())).toEqual([0, 0, 0, 0]));
    } finally {
      await fs.rm(own, { recursive: true, force: true });
    }
  });
});

async function withFile(file: string, use: (ck: TorchCheckpoint) => Promise<void>): Promise<void> {
  const ck = await readTorchCheckpoint(file);
  try {
    await use(ck);
  } finally {
    await ck.close();
  }
}

describe('telling a torch.save file from TokenScope’s own checkpoint', () => {
  it('takes zips and the legacy magic, not a safetensors header whose length starts with 0x80', async () => {
    const { looksLikeTorchCheckpoint, LEGACY_MAGIC } = await import('./file-signature');
    expect(looksLikeTorchCheckpoint(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0, 0]))).toBe(true);
    expect(looksLikeTorchCheckpoint(LEGACY_MAGIC)).toBe(true);
    // A safetensors file with a 640-byte header: 80 02 00 00 00 00 00 00 then '{'.
    expect(looksLikeTorchCheckpoint(Uint8Array.from([0x80, 0x02, 0, 0, 0, 0, 0, 0, 0x7b, 0x22, 0x5f, 0x5f, 0x6d, 0x65]))).toBe(false);
    expect(looksLikeTorchCheckpoint(Uint8Array.from([0x80, 0x02, 0x7d]))).toBe(false);
  });
});

describe('the unpickler on hand-written pickles', () => {
  it('builds an allowed class through NEWOBJ and refuses INST, OBJ and EXT', async () => {
    const { unpickle } = await import('./unpickler');
    const { PyDict } = await import('./pickle-values');
    const od = Buffer.from('collections\nOrderedDict\n', 'latin1');
    // OrderedDict.__new__() then SETITEM 'a' = 1
    const v = unpickle(Uint8Array.from([0x80, 0x02, 0x63, ...od, 0x29, 0x81, 0x8c, 1, 0x61, 0x4b, 1, 0x73, 0x2e]), { source: 'x.pkl' });
    expect(v).toBeInstanceOf(PyDict);
    expect([...(v as InstanceType<typeof PyDict>).map]).toEqual([['a', 1]]);
    expect(() => unpickle(Uint8Array.from([0x80, 0x02, 0x82, 1, 0x2e]), { source: 'x.pkl' })).toThrow(/^x\.pkl byte 2 \(opcode 0x82\): refused: this opcode builds an arbitrary Python object/);
    expect(() => unpickle(Uint8Array.from([0x80, 0x02, 0x28, 0x69, ...Buffer.from('os\nsystem\n'), 0x2e]), { source: 'x.pkl' })).toThrow(/opcode 0x69\): refused/);
    expect(() => unpickle(Uint8Array.from([0x80, 0x02, 0x4b, 1]), { source: 'x.pkl' })).toThrow(/x\.pkl byte 4 .*ends at byte 4/);
  });
});
