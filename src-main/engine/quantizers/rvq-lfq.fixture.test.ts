/**
 * Residual VQ (3 levels, K 16, D 8) and LFQ (D 4) in eval mode against vector-quantize-pytorch's
 * outputs in ../shared/fixtures/{rvq,lfq}, on the wasm backend: indices exactly, outputs within
 * float rounding (max |Δ| in the names, computed at collection time).
 */
import { describe, expect, it } from 'vitest';
import { runRvqLfqFixture } from './rvq-lfq-fixture-run';
import { haveFixtures, useWasmBackend } from './test-backend';

const present = haveFixtures();

const res = present ? (await useWasmBackend(), await runRvqLfqFixture()) : null;
const e = (v: number | undefined) => (v === undefined ? 'n/a' : v.toExponential(2));
const skipNote = present ? '' : ' (skipped: ../shared/fixtures absent)';

describe.skipIf(!present)(`ResidualVQ and LFQ match vector-quantize-pytorch${skipNote}`, () => {
  it('RVQ indices [64, 3] are identical (greedy nearest code on each residual)', () => {
    expect(res!.rvq.shape).toEqual([64, 3]);
    expect(res!.rvq.indices).toEqual(res!.rvq.expectIndices);
  });
  it(`RVQ output is the sum of the selected codes (max |Δ| ${e(res?.rvq.out)}; indicesToCodes max |Δ| ${e(res?.rvq.back)})`, () => {
    expect(res!.rvq.out).toBeLessThanOrEqual(1e-6);
    expect(res!.rvq.back).toBeLessThanOrEqual(1e-6);
  });
  it('LFQ indices are identical (dimension 0 the most significant bit)', () => {
    expect(res!.lfq.indices).toEqual(res!.lfq.expectIndices);
  });
  it(`LFQ output ±1 (max |Δ| ${e(res?.lfq.out)}) and indicesToCodes (max |Δ| ${e(res?.lfq.back)})`, () => {
    expect(res!.lfq.out).toBe(0);
    expect(res!.lfq.back).toBe(0);
  });
  it('leaves no tensors behind', () => {
    expect(res!.leaked).toBe(0);
  });
});
