/**
 * What a composite quantizer's config implies for the rest (residual FSQ, residual LFQ,
 * multi-head VQ), checked when a run starts so that the form gets one clear message.
 */
import type { TrainConfig } from '../contract/index';

export function checkCompositeConfig(cfg: TrainConfig, refuse: (problem: string) => never): void {
  const q = cfg.quantizer;
  if (q.depth === undefined) refuse(`config.quantizer.depth: ${q.kind} needs a depth (${q.kind === 'mhvq' ? 'heads' : 'residual levels'})`);
  if (q.kind === 'rfsq') {
    if (!q.levels) refuse('config.quantizer.levels: residual FSQ needs its levels, e.g. [8, 5, 5, 5]');
    // Each level quantizes every latent dimension to its own level count: the width follows the levels.
    cfg.model.latentDim = q.levels.length;
    delete q.codebookSize;
  } else if (q.kind === 'rlfq') {
    if (cfg.model.latentDim > 20) refuse(`config.model.latentDim: rlfq has one bit per latent dimension and level, at most 20, got ${cfg.model.latentDim}`);
    delete q.codebookSize;
  } else {
    if (q.codebookSize === undefined) refuse('config.quantizer.codebookSize: mhvq needs a codebook size per head');
    if ((q.compose ?? 'concat') === 'concat' && cfg.model.latentDim % q.depth !== 0) {
      refuse(`config.model.latentDim ${cfg.model.latentDim} must split evenly into ${q.depth} heads (compose concat)`);
    }
    if (q.compose === 'sum' && q.cosine) refuse('config.quantizer.cosine: a cosine codebook cannot be summed over heads (compose sum)');
  }
}
