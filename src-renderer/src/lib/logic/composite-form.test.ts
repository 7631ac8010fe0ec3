import { describe, expect, it } from 'vitest';
import { compositeQuantizerFields, depthLabel, isComposite, type CompositeFormValues } from './composite-form';

const v: CompositeFormValues = { levels: '8,5,5,5', depth: 3, codebookSize: 64, entropyWeight: 0.2, compose: 'sum', projection: 'learned', disentangleWeight: 0.1 };

describe('composite quantizers in the training form', () => {
  it('builds each kind its own fields', () => {
    expect(compositeQuantizerFields('rfsq', v)).toEqual({ levels: [8, 5, 5, 5], depth: 3 });
    expect(compositeQuantizerFields('rlfq', v)).toEqual({ depth: 3, entropyWeight: 0.2 });
    expect(compositeQuantizerFields('mhvq', v)).toEqual({ codebookSize: 64, depth: 3, compose: 'sum', projection: 'learned', disentangleWeight: 0.1 });
    expect(compositeQuantizerFields('vq', v)).toEqual({});
  });
  it('names the depth field after what it counts and refuses a bad one', () => {
    expect(depthLabel('mhvq')).toBe('heads');
    expect(depthLabel('rfsq')).toBe('depth');
    expect(depthLabel('gvq')).toBe('groups');
    expect(depthLabel('fsq')).toBeNull();
    expect(isComposite('rlfq')).toBe(true);
    expect(isComposite('rvq')).toBe(false);
    expect(() => compositeQuantizerFields('mhvq', { ...v, depth: 0 })).toThrow(/heads must be a positive integer/);
    expect(() => compositeQuantizerFields('rfsq', { ...v, levels: '8,1' })).toThrow(/levels/);
  });
});
