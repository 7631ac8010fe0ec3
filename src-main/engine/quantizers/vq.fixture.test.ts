/**
 * One EMA training step of vector-quantize-pytorch's VectorQuantize (dim 8, K 16, decay 0.8,
 * eps 1e-5, commitment 1, rotation trick on: it changes gradients only), read from
 * ../shared/fixtures/vq_ema, reproduced on the wasm backend within 1e-5.
 * The max abs differences are computed at collection time so they appear in the test names.
 */
import { describe, expect, it } from 'vitest';
import { haveFixtures, useWasmBackend } from './test-backend';
import { runVqEmaFixture } from './vq-ema-fixture-run';

const present = haveFixtures();

const res = present ? (await useWasmBackend(), await runVqEmaFixture()) : null;
const d = (v: number | undefined) => (v === undefined ? 'n/a' : v.toExponential(2));

describe.skipIf(!present)(`VQ-EMA matches vector-quantize-pytorch${present ? '' : ' (skipped: ../shared/fixtures absent)'}`, () => {
  it(`training output equals the pre-step codes (max |Δ| ${d(res?.trainOut)})`, () => {
    expect(res!.trainOut).toBeLessThanOrEqual(1e-5);
  });
  it('training indices are identical', () => {
    expect(res!.trainIdx).toEqual(res!.expectTrainIdx);
  });
  it(`commitment loss (|Δ| ${d(res?.commit)}, part |Δ| ${d(res?.commitPart)})`, () => {
    expect(res!.commit).toBeLessThanOrEqual(1e-5);
    expect(res!.commitPart).toBeLessThanOrEqual(1e-5);
  });
  it(`EMA codebook after the step (max |Δ| ${d(res?.codebook)})`, () => {
    expect(res!.codebook).toBeLessThanOrEqual(1e-5);
  });
  it(`EMA cluster sizes (max |Δ| ${d(res?.clusterSize)}) and embed sums (max |Δ| ${d(res?.embedAvg)})`, () => {
    expect(res!.clusterSize).toBeLessThanOrEqual(1e-5);
    expect(res!.embedAvg).toBeLessThanOrEqual(1e-5);
  });
  it(`eval output with the updated codebook (max |Δ| ${d(res?.evalOut)}) and its indices`, () => {
    expect(res!.evalOut).toBeLessThanOrEqual(1e-5);
    expect(res!.evalIdx).toEqual(res!.expectEvalIdx);
  });
  it('leaves no tensors behind', () => {
    expect(res!.leaked).toBe(0);
  });
});
