/**
 * A selected code, everywhere: the cells of a frame that hold it (to outline them on the BEV input
 * and the decoded view, not only on the token grid), the class each code mostly covers (to colour
 * codes by meaning), its nearest codes in the codebook, and the input patch an occurrence sees.
 */
import type { Cell, TokenGrid } from './selection';
import type { RgbaImage } from './colormap';

/** Every cell whose code at `level` is `code`, in row-major order. */
export function occurrenceCells(t: TokenGrid, level: number, code: number | null): Cell[] {
  if (code === null) return [];
  const l = Math.min(Math.max(0, level), t.depth - 1);
  const out: Cell[] = [];
  for (let r = 0; r < t.h; r++) for (let c = 0; c < t.w; c++) if (t.indices[(r * t.w + c) * t.depth + l] === code) out.push({ row: r, col: c });
  return out;
}

/**
 * The most frequent input class under each code's cells in this frame (its footprint: the
 * `[H/h, W/w]` block of a cell), with the share of those pixels it has. Codes absent from the
 * frame are absent from the map.
 */
export function dominantClasses(t: TokenGrid, level: number, labels: Uint8Array, H: number, W: number, numClasses: number): Map<number, { classId: number; share: number }> {
  if (labels.length !== H * W) throw new Error(`dominantClasses: ${labels.length} labels for a ${H}×${W} frame`);
  const l = Math.min(Math.max(0, level), t.depth - 1);
  const hist = new Map<number, Float64Array>();
  for (let y = 0; y < H; y++) {
    const r = Math.min(t.h - 1, Math.floor((y * t.h) / H));
    for (let x = 0; x < W; x++) {
      const c = Math.min(t.w - 1, Math.floor((x * t.w) / W));
      const code = t.indices[(r * t.w + c) * t.depth + l]!;
      let h = hist.get(code);
      if (!h) hist.set(code, (h = new Float64Array(numClasses)));
      const k = labels[y * W + x]!;
      if (k < numClasses) h[k]!++;
    }
  }
  const out = new Map<number, { classId: number; share: number }>();
  for (const [code, h] of hist) {
    let best = 0;
    let total = 0;
    for (let k = 0; k < numClasses; k++) {
      total += h[k]!;
      if (h[k]! > h[best]!) best = k;
    }
    if (total > 0) out.set(code, { classId: best, share: h[best]! / total });
  }
  return out;
}

/** The `k` codebook rows nearest (Euclidean) to row `row`, nearest first, itself excluded. */
export function nearestCodes(codes: Float32Array, rows: number, dim: number, row: number, k: number): Array<{ row: number; distance: number }> {
  if (codes.length !== rows * dim) throw new Error(`nearestCodes: ${codes.length} values for ${rows}×${dim} codes`);
  if (row < 0 || row >= rows) return [];
  const q = codes.subarray(row * dim, (row + 1) * dim);
  const best: Array<{ row: number; distance: number }> = [];
  for (let i = 0; i < rows; i++) {
    if (i === row) continue;
    let s = 0;
    for (let j = 0; j < dim; j++) {
      const d = codes[i * dim + j]! - q[j]!;
      s += d * d;
    }
    if (best.length < k || s < best[best.length - 1]!.distance) {
      best.push({ row: i, distance: s });
      best.sort((a, b) => a.distance - b.distance || a.row - b.row);
      if (best.length > k) best.pop();
    }
  }
  return best.map((b) => ({ row: b.row, distance: Math.sqrt(b.distance) }));
}

/**
 * The input pixels a cell of an `h×w` token grid over an `H×W` frame depends on: its footprint
 * grown by `margin` pixels on every side (the encoder's receptive field reaches past the stride:
 * the reference encoder's two 4×4 stride-2 convolutions and 3×3 head see 18 px for a 4 px stride),
 * clamped to the frame. Half-open: [x0, x1) × [y0, y1).
 */
export function patchRect(cell: Cell, H: number, W: number, h: number, w: number, margin: number): { x0: number; y0: number; x1: number; y1: number } {
  const sy = H / h;
  const sx = W / w;
  return {
    x0: Math.max(0, Math.floor(cell.col * sx - margin)),
    y0: Math.max(0, Math.floor(cell.row * sy - margin)),
    x1: Math.min(W, Math.ceil((cell.col + 1) * sx + margin)),
    y1: Math.min(H, Math.ceil((cell.row + 1) * sy + margin)),
  };
}

/**
 * Receptive field in input pixels of a stack of convolutions (kernel, stride), first layer first:
 * r = 1 + Σ (k_i − 1) · Π_{j<i} s_j.
 */
export function receptiveField(layers: Array<{ kernel: number; stride: number }>): number {
  let r = 1;
  let jump = 1;
  for (const { kernel, stride } of layers) {
    r += (kernel - 1) * jump;
    jump *= stride;
  }
  return r;
}

/** A rectangle of an image, copied. */
export function cropImage(img: RgbaImage, rect: { x0: number; y0: number; x1: number; y1: number }): RgbaImage {
  const width = Math.max(0, rect.x1 - rect.x0);
  const height = Math.max(0, rect.y1 - rect.y0);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const src = ((rect.y0 + y) * img.width + rect.x0) * 4;
    rgba.set(img.rgba.subarray(src, src + width * 4), y * width * 4);
  }
  return { width, height, rgba };
}

/** The image with a 1-pixel border (#ffd60a) drawn just inside `rect` (the cell within its patch). */
export function outlineRect(img: RgbaImage, rect: { x0: number; y0: number; x1: number; y1: number }): RgbaImage {
  const out = { width: img.width, height: img.height, rgba: img.rgba.slice() };
  const put = (x: number, y: number): void => {
    if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
    out.rgba.set([255, 214, 10, 255], (y * img.width + x) * 4);
  };
  for (let x = rect.x0; x < rect.x1; x++) {
    put(x, rect.y0);
    put(x, rect.y1 - 1);
  }
  for (let y = rect.y0; y < rect.y1; y++) {
    put(rect.x0, y);
    put(rect.x1 - 1, y);
  }
  return out;
}

/**
 * The reference encoder's receptive field and stride for a token grid `h` rows over `H` pixels:
 * `log2(H/h)` 4×4 stride-2 stages then a 3×3 head (DESIGN's reference architecture). Other
 * architectures (OccWorld's ResNet) see further: this is the patch the gallery shows, not a bound.
 */
export function referenceReceptiveField(H: number, h: number): { stride: number; field: number } {
  const stride = H / h;
  const stages = Math.max(0, Math.round(Math.log2(stride)));
  const layers = [...Array.from({ length: stages }, () => ({ kernel: 4, stride: 2 })), { kernel: 3, stride: 1 }];
  return { stride, field: receptiveField(layers) };
}

/** Up to `k` items spread evenly over a list (first and last included), so a gallery spans the sequence. */
export function spreadSample<T>(items: readonly T[], k: number): T[] {
  const n = items.length;
  if (n <= k) return items.slice();
  if (k <= 0) return [];
  if (k === 1) return [items[0]!];
  return Array.from({ length: k }, (_, i) => items[Math.round((i * (n - 1)) / (k - 1))]!);
}
