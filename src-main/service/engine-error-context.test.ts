import { describe, expect, it } from 'vitest';
import { DataError } from '../data/errors';
import { engineErrorIn } from './engine-error-context';

describe('engine errors on file-derived shapes name the files', () => {
  it('a bare wasm "memory access out of bounds" gets the data and checkpoint names and a hint', () => {
    const wasm = new Error('memory access out of bounds');
    wasm.name = 'RuntimeError';
    const e = engineErrorIn('/data/scene/frames.npy', '/runs/tok.ckpt', wasm);
    expect(e.message).toBe('frames.npy: encoding failed with tok.ckpt: memory access out of bounds (the shapes these files imply are more than the engine can hold)');
  });

  it('errors that already name their file pass through unchanged', () => {
    const d = new DataError('/data/x.npy', 'truncated');
    expect(engineErrorIn('/data/x.npy', null, d)).toBe(d);
    const named = new Error('x.npy frame 3: shape mismatch');
    expect(engineErrorIn('/data/x.npy', null, named)).toBe(named);
  });
});
