/**
 * Composite quantizers against vector-quantize-pytorch v1.31's outputs on the wasm backend:
 * ResidualFSQ (levels [8,5,5,5], 3 levels) in ../shared/fixtures/residual_fsq and multi-head VQ
 * (dim 16, 4 heads of 4, K 32, separate codebook per head) in ../shared/fixtures/multihead_vq.
 * Indices exactly; outputs within float rounding (max |Δ| in the names).
 */
import { describe, expect, it } from 'vitest';
import { runMultiHeadFixture, runResidualFsqFixture } from './composite-fixture-run';
import { haveFixtures, useWasmBackend } from './test-backend';

const present = haveFixtures();
const rfsq = present ? (await useWasmBackend(), await runResidualFsqFixture()) : null;
const mh = present ? await runMultiHeadFixture() : null;
const e = (v: number | undefined) => (v === undefined ? 'n/a' : v.toExponential(2));
const skipNote = present ? '' : ' (skipped: ../shared/fixtures absent)';

describe.skipIf(!present)(`ResidualFSQ matches vector-quantize-pytorch${skipNote}`, () => {
  it(`per-level scales are levels^-q (max |Δ| ${e(rfsq?.scales)})`, () => {
    expect(rfsq!.scales).toBe(0);
  });
  it('indices [128, 3] are identical (symmetric FSQ on each scaled residual, soft-clamped input)', () => {
    expect(rfsq!.shape).toEqual([128, 3]);
    expect(rfsq!.indices).toEqual(rfsq!.expectIndices);
  });
  it(`output is the sum of the scaled codes (max |Δ| ${e(rfsq?.out)}; indicesToCodes max |Δ| ${e(rfsq?.back)})`, () => {
    expect(rfsq!.out).toBeLessThanOrEqual(1e-6);
    expect(rfsq!.back).toBeLessThanOrEqual(1e-6);
  });
  it('leaves no tensors behind', () => {
    expect(rfsq!.leaked).toBe(0);
  });
});

describe.skipIf(!present)(`Multi-head VQ with the identity projection matches vector-quantize-pytorch's heads${skipNote}`, () => {
  it('indices [80, 4] are identical (head h quantizes channels [4h, 4h+4) with its own codebook)', () => {
    expect(mh!.shape).toEqual([80, 4]);
    expect(mh!.indices).toEqual(mh!.expectIndices);
  });
  it(`output concatenates the heads' codes (max |Δ| ${e(mh?.out)}; indicesToCodes max |Δ| ${e(mh?.back)})`, () => {
    expect(mh!.out).toBeLessThanOrEqual(1e-6);
    expect(mh!.back).toBe(0);
  });
  it('leaves no tensors behind', () => {
    expect(mh!.leaked).toBe(0);
  });
});
