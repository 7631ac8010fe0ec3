/**
 * Colours for code ids such that codes close together in the codebook get similar colours: each
 * code's 3D projection (PCA or UMAP) is normalised per axis and read as a CIELAB colour
 * (axis 0 → lightness, axes 1 and 2 → the a/b opponent axes), then converted to sRGB. Lab is
 * roughly perceptually uniform, so equal distances in the projection look like equal colour steps.
 */

/** CIELAB (D65) to linear sRGB (may fall outside [0, 1] for colours out of gamut). */
export function labToLinear(L: number, a: number, b: number): [number, number, number] {
  const fy = (L + 16) / 116;
  const fx = fy + a / 500;
  const fz = fy - b / 200;
  const inv = (t: number): number => (t > 6 / 29 ? t * t * t : 3 * (6 / 29) ** 2 * (t - 4 / 29));
  const X = 0.95047 * inv(fx);
  const Y = 1.0 * inv(fy);
  const Z = 1.08883 * inv(fz);
  return [
    3.2404542 * X - 1.5371385 * Y - 0.4985314 * Z,
    -0.969266 * X + 1.8760108 * Y + 0.041556 * Z,
    0.0556434 * X - 0.2040259 * Y + 1.0572252 * Z,
  ];
}

function encodeSrgb(c: number): number {
  const v = c <= 0.0031308 ? 12.92 * c : 1.055 * Math.pow(Math.max(c, 0), 1 / 2.4) - 0.055;
  return Math.round(Math.min(1, Math.max(0, v)) * 255);
}

/** CIELAB (D65) to sRGB bytes, clipped per channel. */
export function labToRgb(L: number, a: number, b: number): [number, number, number] {
  const [r, g, bl] = labToLinear(L, a, b);
  return [encodeSrgb(r), encodeSrgb(g), encodeSrgb(bl)];
}

const inGamut = (c: [number, number, number]): boolean => c.every((v) => v >= -1e-4 && v <= 1 + 1e-4);

/**
 * CIELAB to sRGB keeping lightness and hue and reducing chroma until the colour fits the gamut.
 * Per-channel clipping would make neighbouring codes jump in colour where one channel crosses
 * zero; shrinking chroma keeps the map continuous.
 */
export function labToRgbInGamut(L: number, a: number, b: number): [number, number, number] {
  let lin = labToLinear(L, a, b);
  if (!inGamut(lin)) {
    let lo = 0;
    let hi = 1;
    for (let k = 0; k < 14; k++) {
      const mid = (lo + hi) / 2;
      if (inGamut(labToLinear(L, a * mid, b * mid))) lo = mid;
      else hi = mid;
    }
    lin = labToLinear(L, a * lo, b * lo);
  }
  return [encodeSrgb(lin[0]), encodeSrgb(lin[1]), encodeSrgb(lin[2])];
}

/** Per-axis [lo, hi] of `[n, 3]` points at the 2nd / 98th percentiles (outliers do not squash the rest). */
export function axisRanges(points: Float32Array, n: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  const stride = Math.max(1, Math.floor(n / 8192));
  for (let axis = 0; axis < 3; axis++) {
    const sample: number[] = [];
    for (let i = 0; i < n; i += stride) sample.push(points[i * 3 + axis]!);
    sample.sort((x, y) => x - y);
    const lo = sample[Math.floor(0.02 * (sample.length - 1))] ?? 0;
    const hi = sample[Math.ceil(0.98 * (sample.length - 1))] ?? 1;
    ranges.push(hi > lo ? [lo, hi] : [lo - 1, lo + 1]);
  }
  return ranges;
}

/**
 * `[n, 3]` sRGB bytes for `n` codes from their `[n, 3]` projection, so that every code stays visible on the dark theme and against the white selection highlight.
 * Lightness spans 40..85 and a/b ±65 (chroma reduced into the sRGB gamut where needed).
 */
export function codeColorsFromProjection(points: Float32Array, n: number): Uint8Array {
  if (points.length < n * 3) throw new Error(`codeColorsFromProjection: ${points.length} values for ${n} points`);
  const out = new Uint8Array(n * 3);
  if (n === 0) return out;
  const r = axisRanges(points, n);
  const norm = (v: number, axis: number): number => {
    const [lo, hi] = r[axis]!;
    return Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
  };
  for (let i = 0; i < n; i++) {
    const L = 40 + 45 * norm(points[i * 3]!, 0);
    const a = (norm(points[i * 3 + 1]!, 1) - 0.5) * 130;
    const b = (norm(points[i * 3 + 2]!, 2) - 0.5) * 130;
    out.set(labToRgbInGamut(L, a, b), i * 3);
  }
  return out;
}

/** A stable colour for a code id when no projection is known yet (golden-angle hues). */
export function hashedCodeColor(id: number): [number, number, number] {
  const hue = ((id * 137.508) % 360) / 360;
  const s = 0.55;
  const l = 0.55;
  const f = (k: number): number => {
    const kk = (k + hue * 12) % 12;
    const a = s * Math.min(l, 1 - l);
    return Math.round((l - a * Math.max(-1, Math.min(kk - 3, 9 - kk, 1))) * 255);
  };
  return [f(0), f(8), f(4)];
}

/**
 * Maps a code id to its row in the codebook view. Explicit codebooks are the identity; implicit
 * ones (FSQ / LFQ / BSQ) list only used codes with their ids, so the map goes through `ids`.
 */
export function codeRowLookup(ids: Int32Array | undefined): (code: number) => number {
  if (!ids) return (code) => code;
  const map = new Map<number, number>();
  ids.forEach((id, row) => map.set(id, row));
  return (code) => map.get(code) ?? -1;
}

export interface TokenImageOptions {
  /** Residual level to show (0-based). */
  level: number;
  /** Colour per codebook row, `[rows, 3]`; rows without a colour use the hashed colour. */
  colors: Uint8Array | null;
  rowOf: (code: number) => number;
  /** The selected code: its cells stay bright, every other cell is dimmed. */
  selectedCode: number | null;
  /** Optional `[h, w]` mask of cells that changed since the previous frame: drawn white. */
  changed?: Uint8Array | null;
  /** Alpha of every cell (for the overlay on the BEV input). */
  alpha?: number;
}

/** The token grid as an image, one pixel per latent cell. */
export function renderTokenGrid(
  indices: Int32Array,
  h: number,
  w: number,
  depth: number,
  opts: TokenImageOptions,
): { width: number; height: number; rgba: Uint8ClampedArray } {
  if (indices.length < h * w * depth) throw new Error(`renderTokenGrid: ${indices.length} ids for a ${h}×${w}×${depth} grid`);
  const level = Math.min(Math.max(0, opts.level), depth - 1);
  const alpha = Math.round((opts.alpha ?? 1) * 255);
  const rgba = new Uint8ClampedArray(h * w * 4);
  const rows = opts.colors ? opts.colors.length / 3 : 0;
  for (let i = 0; i < h * w; i++) {
    const code = indices[i * depth + level]!;
    let rgb: [number, number, number];
    const row = opts.rowOf(code);
    if (opts.colors && row >= 0 && row < rows) {
      rgb = [opts.colors[row * 3]!, opts.colors[row * 3 + 1]!, opts.colors[row * 3 + 2]!];
    } else {
      rgb = hashedCodeColor(code);
    }
    if (opts.selectedCode !== null && code !== opts.selectedCode) {
      rgb = [rgb[0] * 0.22, rgb[1] * 0.22, rgb[2] * 0.22];
    }
    if (opts.changed && opts.changed[i]) rgb = [255, 255, 255];
    rgba[i * 4] = rgb[0];
    rgba[i * 4 + 1] = rgb[1];
    rgba[i * 4 + 2] = rgb[2];
    rgba[i * 4 + 3] = alpha;
  }
  return { width: w, height: h, rgba };
}
