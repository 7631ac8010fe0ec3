/**
 * Codebook health over a sliding window of recent batches: utilization, perplexity and dead
 * codes. Over a window, not one batch: one batch of N tokens can use at most N codes and its
 * perplexity is capped by N, so per-batch figures depend on the batch size, not on the codebook.
 *
 * Pure JS on the int32 indices the trainer has already read back (one `await indices.data()` a
 * step). Counts are kept dense (a Float64Array per level) up to 2^20 codes, sparse (a Map) above,
 * so implicit codebooks of LFQ/BSQ/FSQ with millions of codes cost only what is used.
 */

const DENSE_LIMIT = 1 << 20;

export interface CodebookHealthSummary {
  /** Fraction of all codes (every level) used at least once in the window, 0..1. */
  utilization: number;
  /** exp(entropy) of the window's code distribution, averaged over levels. At most K. */
  perplexity: number;
  /** Codes (summed over levels) not used anywhere in the window. */
  deadCodes: number;
  /** Tokens (index positions per level) in the window. */
  tokens: number;
  batches: number;
}

export interface CodebookHealthOptions {
  /** Index positions per token: 1, or the residual depth / number of groups. Default 1. */
  depth?: number;
  /** How many recent batches the window holds. Default 50. */
  windowBatches?: number;
}

/** Counts of one codebook level, dense or sparse. */
class LevelCounts {
  readonly dense: Float64Array | null;
  readonly sparse: Map<number, number> | null;
  used = 0;
  total = 0;

  constructor(readonly size: number) {
    this.dense = size <= DENSE_LIMIT ? new Float64Array(size) : null;
    this.sparse = this.dense ? null : new Map();
  }

  add(code: number, n: number): void {
    if (this.dense) {
      const before = this.dense[code]!;
      const after = before + n;
      this.dense[code] = after;
      if (before === 0 && after > 0) this.used++;
      else if (before > 0 && after === 0) this.used--;
    } else {
      const before = this.sparse!.get(code) ?? 0;
      const after = before + n;
      if (after === 0) this.sparse!.delete(code);
      else this.sparse!.set(code, after);
      if (before === 0 && after > 0) this.used++;
      else if (before > 0 && after === 0) this.used--;
    }
    this.total += n;
  }

  entropy(): number {
    if (this.total === 0) return 0;
    let h = 0;
    const t = this.total;
    const visit = (c: number) => {
      if (c > 0) {
        const p = c / t;
        h -= p * Math.log(p);
      }
    };
    if (this.dense) for (let i = 0; i < this.dense.length; i++) visit(this.dense[i]!);
    else for (const c of this.sparse!.values()) visit(c);
    return h;
  }
}

export class CodebookHealth {
  readonly codebookSize: number;
  readonly depth: number;
  readonly windowBatches: number;
  private levels: LevelCounts[];
  /** Per batch in the window: per level, the distinct codes and their counts. */
  private window: { codes: Int32Array; counts: Int32Array }[][] = [];

  constructor(codebookSize: number, opts: CodebookHealthOptions = {}) {
    if (!Number.isInteger(codebookSize) || codebookSize < 1) {
      throw new Error(`codebook health: codebook size must be a positive integer, got ${codebookSize}`);
    }
    this.codebookSize = codebookSize;
    this.depth = opts.depth ?? 1;
    this.windowBatches = opts.windowBatches ?? 50;
    if (!Number.isInteger(this.depth) || this.depth < 1) throw new Error(`codebook health: depth must be a positive integer, got ${this.depth}`);
    if (!Number.isInteger(this.windowBatches) || this.windowBatches < 1) {
      throw new Error(`codebook health: window must be at least 1 batch, got ${this.windowBatches}`);
    }
    this.levels = Array.from({ length: this.depth }, () => new LevelCounts(codebookSize));
  }

  /** Whether the newest batch is provisional: the next push removes it (see push). */
  private provisional = false;

  /**
   * One batch's indices, `[N, depth]` row-major (depth 1: `[N]`). Drops the oldest batch when full.
   * `provisional`: the batch counts only until the next one arrives (the k-means init batch,
   * whose assignment is its own clustering and so uses every code: kept, it would read
   * "100 % used" for a whole window).
   */
  push(indices: ArrayLike<number>, opts: { provisional?: boolean } = {}): void {
    const D = this.depth;
    if (indices.length % D !== 0) {
      throw new Error(`codebook health: ${indices.length} indices are not a whole number of tokens of depth ${D}`);
    }
    const K = this.codebookSize;
    const perLevel: Map<number, number>[] = Array.from({ length: D }, () => new Map());
    for (let i = 0; i < indices.length; i++) {
      const code = indices[i]!;
      if (!Number.isInteger(code) || code < 0 || code >= K) {
        throw new Error(`codebook health: index ${code} at position ${i} is outside the codebook (0..${K - 1})`);
      }
      const m = perLevel[i % D]!;
      m.set(code, (m.get(code) ?? 0) + 1);
    }
    if (this.provisional) this.dropNewest();
    const entry = perLevel.map((m, level) => {
      const codes = Int32Array.from(m.keys());
      const counts = Int32Array.from(m.values());
      for (let j = 0; j < codes.length; j++) this.levels[level]!.add(codes[j]!, counts[j]!);
      return { codes, counts };
    });
    this.window.push(entry);
    this.provisional = opts.provisional === true;
    while (this.window.length > this.windowBatches) {
      const old = this.window.shift()!;
      old.forEach((e, level) => {
        for (let j = 0; j < e.codes.length; j++) this.levels[level]!.add(e.codes[j]!, -e.counts[j]!);
      });
    }
  }

  private dropNewest(): void {
    const e = this.window.pop();
    e?.forEach((l, level) => {
      for (let j = 0; j < l.codes.length; j++) this.levels[level]!.add(l.codes[j]!, -l.counts[j]!);
    });
    this.provisional = false;
  }

  /** True while the newest batch is provisional (the trainer drops its raw copy alongside). */
  get newestProvisional(): boolean {
    return this.provisional;
  }

  summary(): CodebookHealthSummary {
    const K = this.codebookSize;
    const used = this.levels.reduce((s, l) => s + l.used, 0);
    const perplexity = this.levels.reduce((s, l) => s + Math.exp(l.entropy()), 0) / this.depth;
    return {
      utilization: used / (K * this.depth),
      perplexity: this.levels[0]!.total === 0 ? 0 : perplexity,
      deadCodes: K * this.depth - used,
      tokens: this.levels[0]!.total,
      batches: this.window.length,
    };
  }

  /** Window counts of one level's codes, `[K]` (for the live histogram). Needs a dense level. */
  usage(level = 0): Float32Array {
    const l = this.levels[level];
    if (!l) throw new Error(`codebook health: level ${level} out of range (depth ${this.depth})`);
    if (l.dense) return Float32Array.from(l.dense);
    throw new Error(`codebook health: a usage histogram of ${this.codebookSize} codes is too large; use usedCodes()`);
  }

  /** The codes used in the window at one level with their counts, ascending by code. */
  usedCodes(level = 0): { codes: Int32Array; counts: Float32Array } {
    const l = this.levels[level];
    if (!l) throw new Error(`codebook health: level ${level} out of range (depth ${this.depth})`);
    const pairs: [number, number][] = [];
    if (l.dense) l.dense.forEach((c, i) => c > 0 && pairs.push([i, c]));
    else for (const [code, c] of l.sparse!) pairs.push([code, c]);
    pairs.sort((a, b) => a[0] - b[0]);
    return { codes: Int32Array.from(pairs, (p) => p[0]), counts: Float32Array.from(pairs, (p) => p[1]) };
  }

  reset(): void {
    this.levels = Array.from({ length: this.depth }, () => new LevelCounts(this.codebookSize));
    this.window = [];
    this.provisional = false;
  }
}

/** Bits one token costs: depth · log2(K). */
export function bitsPerToken(codebookSize: number, depth = 1): number {
  return depth * Math.log2(codebookSize);
}

export interface CompressionInput {
  /** Values per input frame (C·H·W), stored as float32. */
  inputValues: number;
  /** Tokens per frame (h·w of the latent grid). */
  tokens: number;
  codebookSize: number;
  depth?: number;
}

/** How many times smaller the tokens are than the float32 frame: 32·C·H·W / (h·w·bits per token). */
export function compressionRatio(c: CompressionInput): number {
  const tokenBits = c.tokens * bitsPerToken(c.codebookSize, c.depth ?? 1);
  if (!(tokenBits > 0)) throw new Error('compression ratio: tokens and codebook size must be positive (and K > 1)');
  return (32 * c.inputValues) / tokenBits;
}
