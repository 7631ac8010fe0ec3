import { createProceduralSequence } from '../../data/procedural-scene';
import { labelsOf } from '../../data/frame-utils';
import type { TokenVolume } from './token-volume';

/**
 * Test support: a deterministic stand-in tokenizer for class frames. Each `patch × patch` block
 * becomes one id: its exact class pattern (majority class first, then a hash of the cells) looked
 * up in a vocabulary shared by every sequence tokenized with the same instance. Identical
 * patches get identical ids, so token dynamics follow the scene's exactly — a car moving at
 * constant speed moves its tokens at constant speed — which is what the predictor tests need,
 * without paying for training a tokenizer first.
 */
export class PatchTokenizer {
  private readonly vocab = new Map<string, number>();

  constructor(readonly patch = 4) {}

  get codebookSize(): number {
    return this.vocab.size;
  }

  /** Ids `[h·w]` of one `[H, W]` label map. */
  tokenize(labels: Uint8Array, height: number, width: number): Int32Array {
    const p = this.patch;
    if (height % p !== 0 || width % p !== 0) throw new RangeError(`patch tokenizer: ${height}×${width} is not a multiple of ${p}`);
    const h = height / p;
    const w = width / p;
    const out = new Int32Array(h * w);
    const counts = new Map<number, number>();
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        counts.clear();
        let hash = 2166136261;
        for (let y = 0; y < p; y++) {
          for (let x = 0; x < p; x++) {
            const v = labels[(r * p + y) * width + c * p + x]!;
            counts.set(v, (counts.get(v) ?? 0) + 1);
            hash = Math.imul(hash ^ v, 16777619) >>> 0;
          }
        }
        let major = 0;
        let best = -1;
        for (const [v, n] of counts) if (n > best || (n === best && v < major)) [major, best] = [v, n];
        const key = `${major}:${hash.toString(16)}`;
        let id = this.vocab.get(key);
        if (id === undefined) {
          id = this.vocab.size;
          this.vocab.set(key, id);
        }
        out[r * w + c] = id;
      }
    }
    return out;
  }
}

/**
 * Tokenized procedural scenes, all with one shared vocabulary. `codebookSize` of every volume
 * is the final vocabulary size (ids seen in any of them), so they can be trained on together.
 */
export async function proceduralTokens(
  scenes: Array<{ seed: number; frames: number; size: number }>,
  patch = 4,
): Promise<TokenVolume[]> {
  const tok = new PatchTokenizer(patch);
  const vols: TokenVolume[] = [];
  for (const s of scenes) {
    const seq = createProceduralSequence(s);
    const h = seq.height / patch;
    const w = seq.width / patch;
    const data = new Int32Array(seq.length * h * w);
    for (let t = 0; t < seq.length; t++) {
      const frame = await seq.getFrame(t);
      data.set(tok.tokenize(labelsOf(frame), seq.height, seq.width), t * h * w);
    }
    vols.push({ data, frames: seq.length, h, w, depth: 1, codebookSize: 0 });
  }
  for (const v of vols) v.codebookSize = tok.codebookSize;
  return vols;
}
