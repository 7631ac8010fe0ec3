import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { BaselinePredictorOptions, TrainConfig } from './index';
import { TrainConfigSchema } from './schemas';
import { dispatch } from '../service/dispatch';
import { createWorkspace } from '../service/workspace';
import type { Workspace } from '../service/workspace';
import { SMALL_CONFIG, saveFreshCheckpoint } from '../service/test-config';
import { createProceduralSequence } from '../data/procedural-scene';
import { disposeSnapshot, loadCheckpoint, saveCheckpoint } from '../engine/checkpoint/checkpoint';
import { resignedCheckpoint } from '../engine/checkpoint/test-fixtures';

/**
 * Configs and messages are checked against one set of schemas at the boundary (issue 12,
 * finding 12): nonsense is refused with the field named, at a front door and from the CLI's
 * direct calls alike, and never reaches or leaves a checkpoint.
 */
const NONSENSE: Array<[unknown, RegExp]> = [
  [{ quantizer: { beta: 'x' } }, /config\.quantizer\.beta: expected number, received string/],
  [{ quantizer: { reseed: 'bogus' } }, /config\.quantizer\.reseed: invalid option: expected one of "random"\|"largest-error"\|"off"\|"split", got "bogus"/],
  [{ quantizer: { kind: 'lfq', entropyWeight: -5 } }, /config\.quantizer\.entropyWeight: too small: expected number to be >=0, got -5/],
  [{ steps: 5, turbo: true }, /config: unrecognized key: "turbo"/],
  [{ model: { hidden: 8, dropout: 0.1 } }, /config\.model: unrecognized key: "dropout"/],
  [{ learningRate: Number.NaN }, /config\.learningRate: expected number, received NaN/],
];

let dir: string;
let ws: Workspace;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(tmpdir(), 'tokenscope-schemas-'));
  ws = await createWorkspace({ procedural: { frames: 2, size: 32 }, checkpointDir: dir, trainIn: 'process' });
});

afterAll(async () => {
  await ws?.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('boundary validation', () => {
  it('a front door refuses nonsense configs naming the field, and no run starts', async () => {
    for (const [config, message] of NONSENSE) {
      await expect(dispatch(ws, 'startTraining', [config]), JSON.stringify(config)).rejects.toThrow(message);
      // The CLI calls the workspace directly: the same schema, the same message.
      await expect(ws.startTraining(config as TrainConfig)).rejects.toThrow(message);
    }
    expect((await ws.getStatus()).training).toBeNull();
  });

  it('every method\'s arguments are checked: types, bounds, unknown option keys, arity', async () => {
    await expect(dispatch(ws, 'getFrame', [0.5])).rejects.toThrow('getFrame: index: expected int, received number');
    await expect(dispatch(ws, 'openProcedural', [{ size: 4 }])).rejects.toThrow('openProcedural: options.size: too small: expected number to be >=16, got 4');
    await expect(dispatch(ws, 'exportCheckpoint', [dir, { tokens: 'no' }])).rejects.toThrow('exportCheckpoint: options.tokens: expected boolean, received string');
    await expect(dispatch(ws, 'trainBaselinePredictor', [{ kind: 'copy', horizon: 0 }])).rejects.toThrow('trainBaselinePredictor: options.horizon: too small');
    await expect(dispatch(ws, 'importPredictions', [dir, { offset: 1, shift: 2 }])).rejects.toThrow('importPredictions: options: unrecognized key: "shift"');
    await expect(dispatch(ws, 'openPath', [''])).rejects.toThrow(/^openPath: path: too small/);
    await expect(dispatch(ws, 'stopTraining', [true])).rejects.toThrow('stopTraining: too many arguments (1); it takes none');
    // Absent options may arrive as null over JSON.
    await expect(dispatch(ws, 'openProcedural', [null])).resolves.toMatchObject({ path: 'procedural:7' });
  });

  it('the contract lists the baseline options the service takes (batchSize, learningRate)', () => {
    // A compile-time check as much as a runtime one: this object must type-check against the contract.
    const opts: BaselinePredictorOptions = { kind: 'transformer', steps: 1, batchSize: 2, learningRate: 1e-3 };
    expect(Object.keys(opts)).toContain('batchSize');
  });

  it('nonsense is never written into a checkpoint, and a crafted one is refused naming the field', async () => {
    const seq = createProceduralSequence({ frames: 2, size: 32 });
    const good = await saveFreshCheckpoint(path.join(dir, 'good.ckpt'), SMALL_CONFIG, seq.encoding);
    const bad = { ...SMALL_CONFIG, quantizer: { kind: 'vq', codebookSize: 16, reseed: 'bogus' } } as unknown as TrainConfig;
    expect(TrainConfigSchema.safeParse(bad).success).toBe(false);
    const snap = await loadCheckpoint(good);
    const target = path.join(dir, 'never.ckpt');
    await expect(saveCheckpoint(target, { ...snap, config: bad })).rejects.toThrow(/never\.ckpt: invalid config: config\.quantizer\.reseed: invalid option/);
    await expect(fs.stat(target)).rejects.toThrow(/ENOENT/);

    const crafted = path.join(dir, 'crafted.ckpt');
    await fs.writeFile(crafted, resignedCheckpoint(await fs.readFile(good), (state) => (state.config.quantizer.entropyWeight = -5)));
    await expect(loadCheckpoint(crafted)).rejects.toThrow(/crafted\.ckpt: invalid config in the checkpoint: config\.quantizer\.entropyWeight: too small/);
    await expect(ws.openCheckpoint(crafted)).rejects.toThrow(/entropyWeight/);
    disposeSnapshot(snap);
  });
});
