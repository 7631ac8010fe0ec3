/**
 * Colormaps as 256-entry RGB lookup tables, and the few image builders every canvas panel uses.
 * The tables come from the published polynomial fits of matplotlib's viridis / magma (Matt Zucker)
 * and Google's turbo, so no large data table ships with the app.
 */

export type ColormapName = 'viridis' | 'magma' | 'turbo' | 'gray';
export const COLORMAPS: ColormapName[] = ['viridis', 'magma', 'turbo', 'gray'];

type Poly = [number[], number[], number[]];

// Coefficients c0..c6 per channel (r, g, b) of a degree-6 polynomial in t.
const VIRIDIS: Poly = [
  [0.2777273272234177, 0.1050930431085774, -0.3308618287255563, -4.634230498983486, 6.228269936347081, 4.776384997670288, -5.435455855934631],
  [0.005407344544966578, 1.404613529898575, 0.214847559468213, -5.799100973351585, 14.17993336680509, -13.74514537774601, 4.645852612178535],
  [0.3340998053353061, 1.384590162594685, 0.09509516302823659, -19.33244095627987, 56.69055260068105, -65.35303263337234, 26.3124352495832],
];
const MAGMA: Poly = [
  [-0.002136485053939582, 0.2516605407371642, 8.353717279216625, -27.66873308576866, 52.17613981234068, -50.76852536473588, 18.65570506591883],
  [-0.000749655052795221, 0.6775232436837668, -3.577719514958484, 14.26473078096533, -27.94360607168351, 29.04658282127291, -11.48977351997711],
  [-0.005386127855323933, 2.494026599312351, 0.3144679030132573, -13.64921318813922, 12.94416944238394, 4.23415299384598, -5.601961508734096],
];
// Turbo: degree-5 polynomial (Google AI blog, 2019).
const TURBO: Poly = [
  [0.13572138, 4.6153926, -42.66032258, 132.13108234, -152.94239396, 59.28637943],
  [0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604],
  [0.1066733, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973],
];

function evalPoly(c: number[], t: number): number {
  let v = 0;
  for (let i = c.length - 1; i >= 0; i--) v = v * t + c[i]!;
  return v;
}

function buildLut(poly: Poly | null): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    for (let ch = 0; ch < 3; ch++) {
      const v = poly ? evalPoly(poly[ch]!, t) : t;
      lut[i * 3 + ch] = Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
  }
  return lut;
}

const LUTS = new Map<ColormapName, Uint8Array>();

/** The 256×3 table of a colormap (built once, then cached). */
export function colormapLut(name: ColormapName): Uint8Array {
  let lut = LUTS.get(name);
  if (!lut) {
    const poly = name === 'viridis' ? VIRIDIS : name === 'magma' ? MAGMA : name === 'turbo' ? TURBO : null;
    lut = buildLut(poly);
    LUTS.set(name, lut);
  }
  return lut;
}

/** One colour of a colormap for t in [0, 1] (clamped; NaN maps to 0). */
export function colormapRgb(name: ColormapName, t: number): [number, number, number] {
  const lut = colormapLut(name);
  const i = Number.isFinite(t) ? Math.round(Math.min(1, Math.max(0, t)) * 255) : 0;
  return [lut[i * 3]!, lut[i * 3 + 1]!, lut[i * 3 + 2]!];
}

/** An image the canvas panels draw: RGBA, row-major, `width × height`. */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/**
 * The value range used to colour a channel: the 1st and 99th percentiles (from a strided sample),
 * so one hot cell does not wash the rest of the map out. Falls back to min/max when they coincide.
 */
export function robustRange(values: ArrayLike<number>, offset = 0, count = values.length - offset): [number, number] {
  const stride = Math.max(1, Math.floor(count / 4096));
  const sample: number[] = [];
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < count; i += stride) {
    const v = values[offset + i]!;
    if (!Number.isFinite(v)) continue;
    sample.push(v);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (sample.length === 0) return [0, 1];
  sample.sort((a, b) => a - b);
  let lo = sample[Math.floor(0.01 * (sample.length - 1))]!;
  let hi = sample[Math.ceil(0.99 * (sample.length - 1))]!;
  if (hi <= lo) {
    lo = min;
    hi = max;
  }
  if (hi <= lo) hi = lo + 1;
  return [lo, hi];
}

/** Colours one `[H, W]` plane (channel `channel` of a `[C, H, W]` array) through a colormap. */
export function renderScalar(
  data: ArrayLike<number>,
  width: number,
  height: number,
  cmap: ColormapName,
  range?: [number, number],
  channel = 0,
): RgbaImage {
  const n = width * height;
  const offset = channel * n;
  if (offset + n > data.length) {
    throw new Error(`renderScalar: channel ${channel} is outside data of length ${data.length} for ${width}×${height}`);
  }
  const [lo, hi] = range ?? robustRange(data, offset, n);
  const scale = 255 / (hi - lo || 1);
  const lut = colormapLut(cmap);
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const v = data[offset + i]!;
    const k = Number.isFinite(v) ? Math.min(255, Math.max(0, Math.round((v - lo) * scale))) : 0;
    rgba[i * 4] = lut[k * 3]!;
    rgba[i * 4 + 1] = lut[k * 3 + 1]!;
    rgba[i * 4 + 2] = lut[k * 3 + 2]!;
    rgba[i * 4 + 3] = 255;
  }
  return { width, height, rgba };
}

/** A class map in its palette; ids without a palette entry are drawn magenta so they stand out. */
export function renderLabels(
  labels: ArrayLike<number>,
  width: number,
  height: number,
  palette: ReadonlyArray<{ id: number; rgb: readonly [number, number, number] }>,
): RgbaImage {
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) table.set([255, 0, 255], i * 3);
  for (const c of palette) if (c.id >= 0 && c.id < 256) table.set(c.rgb, c.id * 3);
  const n = width * height;
  if (labels.length < n) throw new Error(`renderLabels: ${labels.length} labels for a ${width}×${height} map`);
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const k = (labels[i]! & 255) * 3;
    rgba[i * 4] = table[k]!;
    rgba[i * 4 + 1] = table[k + 1]!;
    rgba[i * 4 + 2] = table[k + 2]!;
    rgba[i * 4 + 3] = 255;
  }
  return { width, height, rgba };
}

/**
 * The class of each cell of a one-hot `[groups·numClasses, H, W]` frame, seen from above: for each
 * cell, the highest group whose argmax is not the free class, else free. Used when a frame arrives
 * without `labels`.
 */
export function labelsFromOneHot(
  data: Float32Array,
  width: number,
  height: number,
  numClasses: number,
  groups: number,
  freeClass?: number,
): Uint8Array {
  const n = width * height;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let label = freeClass ?? 0;
    for (let g = groups - 1; g >= 0; g--) {
      let best = -Infinity;
      let arg = 0;
      for (let c = 0; c < numClasses; c++) {
        const v = data[(g * numClasses + c) * n + i]!;
        if (v > best) {
          best = v;
          arg = c;
        }
      }
      if (best > 0 && arg !== freeClass) {
        label = arg;
        break;
      }
    }
    out[i] = label;
  }
  return out;
}
