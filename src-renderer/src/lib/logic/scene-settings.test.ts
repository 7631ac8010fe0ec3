import { describe, expect, it } from 'vitest';
import { proceduralSettings } from './scene-settings';

describe('the toolbar shows the open procedural scene', () => {
  it('reads seed, frames and size from the open source', () => {
    expect(proceduralSettings({ kind: 'procedural', path: 'procedural:3', length: 12, width: 64 })).toEqual({ seed: 3, frames: 12, size: 64 });
    expect(proceduralSettings({ kind: 'procedural', path: 'procedural:17', length: 40, width: 128 })).toEqual({ seed: 17, frames: 40, size: 128 });
  });
  it('leaves the form alone for other sources', () => {
    expect(proceduralSettings({ kind: 'occ3d', path: '/data/labels.npz', length: 1, width: 200 })).toBeNull();
    expect(proceduralSettings({ kind: 'procedural', path: 'odd', length: 1, width: 200 })).toBeNull();
    expect(proceduralSettings(null)).toBeNull();
  });
});
