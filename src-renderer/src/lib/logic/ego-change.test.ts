import { describe, expect, it } from 'vitest';
import type { TokenFrame } from '../../../../src-main/contract/index';
import { previousForChange } from './ego-change';

const frame = (ids: number[], extra: Partial<TokenFrame> = {}): TokenFrame => ({
  index: 1,
  indices: Int32Array.from(ids),
  h: 1,
  w: ids.length,
  depth: 1,
  quantError: new Float32Array(ids.length),
  ...extra,
});

describe('previousForChange', () => {
  it('compares with the ego-aligned previous ids when the service sent them, else with the previous frame', () => {
    const prev = frame([1, 2, 3]);
    const aligned = frame([4, 5, 6], { previousAligned: Int32Array.from([2, 3, 6]) });
    expect(Array.from(previousForChange(aligned, prev)!.indices)).toEqual([2, 3, 6]);
    expect(previousForChange(frame([4, 5, 6]), prev)).toBe(prev);
    expect(previousForChange(frame([4, 5, 6], { previousAligned: Int32Array.from([1]) }), prev)).toBe(prev);
    expect(previousForChange(null, null)).toBeNull();
  });
});
