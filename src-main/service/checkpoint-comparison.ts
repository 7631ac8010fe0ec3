import type { CheckpointInfo, ComparisonFrame, DecodedFrame, FrameData, FrameRequest, TokenFrame } from '../contract/index';
import type { FrameEncoding } from '../data/frame';
import { countSet, frameCodeUsage, perClassIou } from './comparison-scores';

/** What the comparison needs of a workspace: the same calls a client makes. */
export interface ComparableWorkspace {
  getFrame?(index: number, opts?: FrameRequest): Promise<FrameData>;
  getTokens(index: number): Promise<TokenFrame>;
  getDecoded(index: number, opts?: FrameRequest): Promise<DecodedFrame>;
  dispose(): Promise<void>;
}

/**
 * A second checkpoint beside the one the views show, on the same frames: it lives in a child
 * workspace over the same source (its own tokenizer, token cache and jobs), and a comparison
 * frame puts the two side by side — B's tokens and reconstruction, where their token ids differ,
 * and where their reconstructions differ.
 */
export class CheckpointComparison {
  constructor(
    readonly info: CheckpointInfo,
    private readonly b: ComparableWorkspace,
  ) {}

  async frame(a: ComparableWorkspace, index: number, req: FrameRequest, encoding?: FrameEncoding, infoA?: CheckpointInfo | null): Promise<ComparisonFrame> {
    const [ta, tb, da, db] = await Promise.all([a.getTokens(index), this.b.getTokens(index), a.getDecoded(index, req), this.b.getDecoded(index, req)]);
    // The input's class map, for each side's per-class IoU (class frames only).
    const truth = encoding?.kind === 'classes' && a.getFrame ? (await a.getFrame(index, { channels: 'labels' })).labels : undefined;
    const tokenDiff = diffTokens(ta, tb);
    let agree = 0;
    if (tokenDiff) for (const v of tokenDiff) agree += 1 - v;
    return {
      index,
      checkpoint: this.info,
      tokens: tb,
      decoded: db,
      tokenDiff,
      tokenAgreement: tokenDiff ? agree / tokenDiff.length : null,
      decodedDiff: diffDecoded(da, db),
      metricsA: da.metrics,
      tokensA: ta,
      differingCells: countSet(tokenDiff),
      classIou: encoding ? perClassIou(encoding, truth, da.labels, db.labels) : null,
      usageA: frameCodeUsage(ta, infoA?.codebookSize ?? 0),
      usageB: frameCodeUsage(tb, this.info.codebookSize),
    };
  }

  dispose(): Promise<void> {
    return this.b.dispose();
  }
}

/** `[h, w]` 1 where any level's id differs; null when the grids are not the same shape. */
export function diffTokens(a: TokenFrame, b: TokenFrame): Uint8Array | null {
  if (a.h !== b.h || a.w !== b.w || a.depth !== b.depth) return null;
  const out = new Uint8Array(a.h * a.w);
  for (let c = 0; c < out.length; c++) {
    for (let d = 0; d < a.depth; d++) {
      if (a.indices[c * a.depth + d] !== b.indices[c * a.depth + d]) {
        out[c] = 1;
        break;
      }
    }
  }
  return out;
}

/**
 * `[H, W]`: 1 where the decoded top-down classes differ (class frames), else the mean absolute
 * difference over the channels both sent.
 */
export function diffDecoded(a: DecodedFrame, b: DecodedFrame): Float32Array {
  if (a.labels && b.labels && a.labels.length === b.labels.length) {
    const out = new Float32Array(a.labels.length);
    for (let i = 0; i < out.length; i++) out[i] = a.labels[i] === b.labels[i] ? 0 : 1;
    return out;
  }
  const cells = a.error.length;
  const out = new Float32Array(cells);
  const n = Math.min(a.data.length, b.data.length);
  const channels = Math.max(1, Math.floor(n / Math.max(1, cells)));
  for (let i = 0; i < n; i++) out[i % cells] += Math.abs(a.data[i]! - b.data[i]!) / channels;
  return out;
}
