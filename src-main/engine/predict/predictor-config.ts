/**
 * Shape and size of the built-in next-frame token predictor. The defaults train on 2 CPU cores
 * in tens of seconds on a 16×16 token grid (next-frame-model.ts describes the architecture).
 */
export interface PredictorConfig {
  /** Ids per index position (the tokenizer's codebook size). */
  codebookSize: number;
  /** Index positions per cell: 1, or the residual depth / number of groups. */
  depth: number;
  /** Token grid. */
  h: number;
  w: number;
  /** k: how many previous frames the prediction of the next one sees. */
  context: number;
  /** Model width D. */
  dim: number;
  heads: number;
  layers: number;
  /** Kernel size of the convolutional stem that fuses each cell's neighbourhood over the k frames (odd). */
  stemKernel: number;
  /** MLP hidden width as a multiple of `dim`. */
  mlpRatio: number;
  /** Seeds the weight initialisation. */
  seed: number;
}

export const DEFAULT_PREDICTOR: Omit<PredictorConfig, 'codebookSize' | 'depth' | 'h' | 'w'> = {
  context: 2,
  dim: 32,
  heads: 2,
  layers: 2,
  stemKernel: 3,
  mlpRatio: 2,
  seed: 1,
};

/** Fills defaults and rejects configurations the model cannot be built from, saying which field. */
export function resolvePredictorConfig(
  partial: Partial<PredictorConfig> & Pick<PredictorConfig, 'codebookSize' | 'depth' | 'h' | 'w'>,
): PredictorConfig {
  const c: PredictorConfig = { ...DEFAULT_PREDICTOR, ...partial };
  for (const key of ['codebookSize', 'depth', 'h', 'w', 'context', 'dim', 'heads', 'layers', 'mlpRatio'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new RangeError(`predictor config: ${key} must be a positive integer, got ${c[key]}`);
  }
  if (!Number.isInteger(c.stemKernel) || c.stemKernel < 1 || c.stemKernel % 2 === 0) {
    throw new RangeError(`predictor config: stemKernel must be a positive odd integer, got ${c.stemKernel}`);
  }
  if (c.dim % c.heads !== 0) throw new RangeError(`predictor config: dim ${c.dim} is not divisible by heads ${c.heads}`);
  if (!Number.isInteger(c.seed)) throw new RangeError(`predictor config: seed must be an integer, got ${c.seed}`);
  return c;
}
