/**
 * A 1D (TiTok) tokenizer's token strip and where each token looks: the service sends the
 * encoder's attention `[N, h, w]` over the latent grid; one token's map is drawn over the BEV
 * input (dimmed), scaled to its own maximum, in a colormap — the region that token describes.
 */
import { colormapRgb, type RgbaImage } from './colormap';

/** Whether a token frame comes from a 1D tokenizer: the model says so, or the grid is a single row of several tokens with no frame that thin. */
export function isOneD(arch: string | undefined, h: number, w: number): boolean {
  return arch === 'titok' || (arch === undefined && h === 1 && w > 1);
}

/** The token under a pixel of a strip `width` pixels wide holding `n` tokens. */
export function tokenOfStripX(x: number, width: number, n: number): number | null {
  if (!(width > 0) || n <= 0 || x < 0 || x >= width) return null;
  return Math.min(n - 1, Math.floor((x / width) * n));
}

/** Token `n`'s attention `[h, w]` from the `[N, h, w]` array, with its peak and the share of its attention in its top cell. */
export function tokenMap(attention: Float32Array, n: number, h: number, w: number): { map: Float32Array; peak: number; peakCell: [number, number] } {
  const map = attention.subarray(n * h * w, (n + 1) * h * w);
  if (map.length !== h * w) throw new Error(`token attention: token ${n} is out of range`);
  let peak = -Infinity;
  let at = 0;
  for (let i = 0; i < map.length; i++) if (map[i]! > peak) [peak, at] = [map[i]!, i];
  return { map, peak, peakCell: [Math.floor(at / w), at % w] };
}

/**
 * The attention map of one token over `base` (the BEV input image, any size): base in gray at
 * half brightness, the map (nearest-neighbour up-sampled to the base, stretched from its own
 * minimum to its peak: early in training attention is nearly uniform, and the stretch still shows
 * where it leans) in magma, its value as opacity.
 */
export function attentionOverlay(base: RgbaImage, map: Float32Array, h: number, w: number): RgbaImage {
  const { width: W, height: H } = base;
  const out = new Uint8ClampedArray(W * H * 4);
  let peak = -Infinity;
  let low = Infinity;
  for (const v of map) {
    peak = Math.max(peak, v);
    low = Math.min(low, v);
  }
  const scale = peak > low ? 1 / (peak - low) : 0;
  for (let y = 0; y < H; y++) {
    const r = Math.min(h - 1, Math.floor((y * h) / H));
    for (let x = 0; x < W; x++) {
      const c = Math.min(w - 1, Math.floor((x * w) / W));
      const v = (map[r * w + c]! - low) * scale;
      const [cr, cg, cb] = colormapRgb('magma', v);
      const a = 0.85 * v;
      const i = (y * W + x) * 4;
      const g = 0.5 * (0.3 * base.rgba[i]! + 0.59 * base.rgba[i + 1]! + 0.11 * base.rgba[i + 2]!);
      out[i] = g * (1 - a) + cr * a;
      out[i + 1] = g * (1 - a) + cg * a;
      out[i + 2] = g * (1 - a) + cb * a;
      out[i + 3] = 255;
    }
  }
  return { width: W, height: H, rgba: out };
}
