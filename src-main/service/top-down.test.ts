import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { topDownOfMaps } from './top-down';
import { classMaps } from './frame-compare';
import { topDownLabelsOf } from '../data/frame-utils';
import { openPath } from '../data/open-path';

const OCC3D = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data/occ3d-nuscenes-sample/labels.npz');

describe('topDownOfMaps', () => {
  it('takes the highest group that is not free, free where all are', () => {
    // 3 groups × 3 cells, free = 9.
    const maps = Uint8Array.from([1, 2, 9, 9, 5, 9, 9, 9, 9]);
    expect(Array.from(topDownOfMaps(maps, 3, 3, 9))).toEqual([1, 5, 9]);
    // Without a free class: the top group as it is.
    expect(Array.from(topDownOfMaps(maps, 3, 3, undefined))).toEqual([9, 9, 9]);
    expect(() => topDownOfMaps(maps, 2, 3, 9)).toThrow('topDownOfMaps: 9 labels for 2 groups of 3 cells');
  });

  it.skipIf(!existsSync(OCC3D))('agrees with data/frame-utils topDownLabelsOf on the real Occ3D sample', async () => {
    const seq = await openPath(OCC3D);
    const frame = await seq.getFrame(0);
    const enc = frame.encoding;
    if (enc.kind !== 'classes') throw new Error('the Occ3D sample should open as class frames');
    expect(enc.groups).toBeGreaterThan(1);
    const maps = classMaps(frame.data, frame, enc.numClasses);
    const mine = topDownOfMaps(maps, enc.groups, frame.height * frame.width, enc.freeClass);
    expect(Array.from(mine)).toEqual(Array.from(topDownLabelsOf(frame)));
    expect(new Set(mine).size).toBeGreaterThan(5);
  });
});
