/**
 * Curve smoothing for the training charts: TensorBoard's exponential moving average with its
 * debiasing (the first points are not pulled towards 0), skipping non-finite values. `weight` 0
 * leaves the curve as it is; 0.99 is very smooth.
 */
export function smoothEma(values: readonly number[], weight: number): number[] {
  if (!(weight > 0)) return values.slice();
  const w = Math.min(weight, 0.999);
  const out = new Array<number>(values.length);
  let last = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    n++;
    out[i] = last / (1 - Math.pow(w, n));
  }
  return out;
}
