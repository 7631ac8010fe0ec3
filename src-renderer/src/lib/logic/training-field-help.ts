/**
 * Tooltips of the training form's fields, keyed by the label's words, so a field another change
 * adds gets its help by adding one line here (the form applies them with `fieldHelp`). A label
 * that already has a title keeps it.
 */
export const TRAINING_FIELD_HELP: Record<string, string> = {
  network: 'The encoder/decoder: the reference conv net (4×4 stride-2 stages) or OccWorld\'s VAERes2D',
  quantizer: 'How latents become token ids: nearest codebook vector (VQ), finite scalar levels (FSQ), lookup-free / binary spherical (LFQ, BSQ), residual or grouped VQ',
  'codebook K': 'Number of codes in the codebook (ids 0…K−1)',
  levels: 'FSQ levels per latent dimension, e.g. 8,5,5,5 (codebook size = their product)',
  'entropy w': 'Weight of the entropy regulariser that spreads tokens over the implicit codebook',
  depth: 'Residual quantizer stages (each codes the previous stage\'s residual)',
  groups: 'Latent channel groups, each with its own codebook',
  'β': 'Commitment weight: how strongly the encoder output is pulled towards its code (VQ-VAE β)',
  reseed: 'What replaces a dead code: a random recent latent, the latent with the largest error, or nothing',
  EMA: 'Update the codebook by exponential moving averages of the assigned latents instead of gradients',
  'k-means init': 'Initialise the codebook by k-means on the first batch\'s latents',
  hidden: 'Channels of the encoder/decoder convolutions',
  'latent D': 'Dimension of each latent vector (= code dimension)',
  stages: 'Down-sampling stages: 2 → tokens every 4 pixels, 3 → every 8',
  lr: 'Adam learning rate',
  steps: 'Optimisation steps (batches) to train for',
  batch: 'Frames (or crops) per step',
  crop: 'Random square crop in pixels per training sample; 0 = whole frames',
  seed: 'Seeds the initial weights and the batch draws (same seed, same run)',
  'held-out every': 'Every N steps (and at the end) the reconstruction loss (and mIoU) on held-out whole frames (every 6th frame, never trained on); 0 = off',
};

/** The help for a label's text ("codebook K 512" → the codebook K help), or null. */
export function helpFor(labelText: string): string | null {
  const t = labelText.trim().replace(/\s+/g, ' ');
  let best: string | null = null;
  for (const key of Object.keys(TRAINING_FIELD_HELP)) {
    if ((t === key || t.startsWith(`${key} `)) && (!best || key.length > best.length)) best = key;
  }
  return best ? TRAINING_FIELD_HELP[best]! : null;
}

/** A Svelte action: gives every label of the form without a title its help (labels that appear later too). */
export function fieldHelp(form: HTMLElement): { destroy(): void } {
  const apply = () => {
    for (const label of form.querySelectorAll('label')) {
      if (label.title) continue;
      const help = helpFor(label.textContent ?? '');
      if (help) label.title = help;
    }
  };
  apply();
  const mo = new MutationObserver(apply);
  mo.observe(form, { childList: true, subtree: true });
  return { destroy: () => mo.disconnect() };
}
