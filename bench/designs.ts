/**
 * `npm run bench:designs`: what each tokenizer design option costs and what it buys.
 *
 * (a) Step-time overhead: the engine's reference training step (batch 8 of 64×64×16 frames,
 *     hidden 64, latent 32, K = 512, 2 stages; bench/engine-bench.ts) with each design's quantizer,
 *     as a ratio to plain VQ's step time.
 * (b) A short comparison on the procedural driving scene, same seed, same data order and same
 *     steps for every design: final utilization, perplexity and dead codes (the trainer's sliding
 *     window, per level for composite quantizers) and the mIoU of every frame decoded through its
 *     tokens (free class excluded, confusion summed over the frames).
 *
 * A design is a row of train-config overrides: adding another option (soft or Gumbel assignment,
 * an orthogonal codebook loss, hierarchical tokens…) is one line in DESIGNS. The config goes
 * through the service's resolveTrainConfig, so a design trains exactly as the app would train it
 * (FSQ's latent width follows its levels there). Options: --steps N (comparison steps, default 80),
 * --timing-steps N (steps per round, default 2), --rounds N (default 3), --only a,b (design names containing these), --json.
 * Not a test: the figures depend on the machine and its load (bench/designs.test.ts runs 2 steps).
 */
import * as tf from '@tensorflow/tfjs-core';
import { pathToFileURL } from 'node:url';
import type { ModelConfig, QuantizerConfig, TrainConfig } from '../src-main/contract';
import { initBackend } from '../src-main/engine/backend';
import { Tokenizer } from '../src-main/engine/tokenizer';
import { Trainer } from '../src-main/engine/train/trainer';
import { BatchSampler } from '../src-main/engine/train/batch-sampler';
import { ConfusionMatrix } from '../src-main/engine/metrics/segmentation';
import { createProceduralSequence } from '../src-main/data/procedural-scene';
import type { FrameSequence } from '../src-main/data/frame';
import { resolveTrainConfig } from '../src-main/service/train-config';
import { Rng } from '../src-main/util/rng';

export interface Design {
  name: string;
  quantizer: Partial<QuantizerConfig> & { kind: QuantizerConfig['kind'] };
  model?: Partial<ModelConfig>;
}

/** One line per design option. Explicit codebooks get the run's K (per level / head). */
export const DESIGNS: Design[] = [
  { name: 'VQ', quantizer: { kind: 'vq', ema: false, kmeansInit: false, deadCodeThreshold: 0, reseed: 'off' } },
  { name: 'VQ + EMA + reseed', quantizer: { kind: 'vq', ema: true, kmeansInit: true, deadCodeThreshold: 1, reseed: 'random' } },
  { name: 'FSQ [8,5,5,5]', quantizer: { kind: 'fsq', levels: [8, 5, 5, 5] } },
  { name: 'residual VQ ×3', quantizer: { kind: 'rvq', depth: 3, ema: true, kmeansInit: true } },
  { name: 'grouped VQ ×2', quantizer: { kind: 'gvq', depth: 2, ema: true, kmeansInit: true } },
  { name: 'multi-head VQ ×4 (learned, concat)', quantizer: { kind: 'mhvq', depth: 4, compose: 'concat', projection: 'learned', ema: true, kmeansInit: true } },
  { name: 'multi-head VQ ×4 + disentangle 0.1', quantizer: { kind: 'mhvq', depth: 4, compose: 'concat', projection: 'learned', disentangleWeight: 0.1, ema: true, kmeansInit: true } },
  { name: 'multi-head VQ ×2 (learned, sum)', quantizer: { kind: 'mhvq', depth: 2, compose: 'sum', projection: 'learned', ema: true, kmeansInit: true } },
  { name: 'residual FSQ [8,5,5,5] ×3', quantizer: { kind: 'rfsq', levels: [8, 5, 5, 5], depth: 3 } },
  { name: 'residual LFQ ×3 (D 8)', quantizer: { kind: 'rlfq', depth: 3, entropyWeight: 0.1 }, model: { latentDim: 8 } },
  { name: 'VQ soft (τ 1→1/16)', quantizer: { kind: 'vq', ema: false, kmeansInit: false, deadCodeThreshold: 0, reseed: 'off', assignment: 'soft', temperature: { start: 1, end: 1 / 16 } } },
  { name: 'VQ Gumbel (τ 1→1/16, KL 0.1)', quantizer: { kind: 'vq', assignment: 'gumbel', temperature: { start: 1, end: 1 / 16 }, klWeight: 0.1 } },
  { name: 'VQ + orthogonal loss 1', quantizer: { kind: 'vq', ema: false, kmeansInit: false, deadCodeThreshold: 0, reseed: 'off', objectives: { orthogonal: 1 } } },
  { name: 'VQ + split reseed + rotation trick', quantizer: { kind: 'vq', ema: true, kmeansInit: true, deadCodeThreshold: 1, reseed: 'split', rotationTrick: true } },
  { name: 'hierarchical (VQ-VAE-2, top 8× + bottom 4×)', quantizer: { kind: 'vq', ema: true, kmeansInit: true }, model: { arch: 'hierarchical', stages: 2 } },
];

const EXPLICIT = new Set(['vq', 'rvq', 'gvq', 'mhvq']);

export interface DesignBenchOptions {
  /** (a) the reference step. */
  timing: { batch: number; size: number; channels: number; hidden: number; latent: number; codebook: number; stages: number; steps: number; warmup: number; rounds: number };
  /** (b) the comparison. */
  compare: { frames: number; size: number; batch: number; crop: number; hidden: number; latent: number; codebook: number; steps: number; lr: number; seed: number };
  only?: string[];
}

export const DEFAULT_OPTIONS: DesignBenchOptions = {
  timing: { batch: 8, size: 64, channels: 16, hidden: 64, latent: 32, codebook: 512, stages: 2, steps: 2, warmup: 1, rounds: 3 },
  compare: { frames: 16, size: 64, batch: 8, crop: 32, hidden: 32, latent: 16, codebook: 256, steps: 80, lr: 3e-3, seed: 0 },
};

export interface DesignRow {
  name: string;
  kind: string;
  stepMs: number;
  /** stepMs / plain VQ's stepMs. */
  ratio: number;
  utilization: number;
  perplexity: number;
  deadCodes: number;
  miou: number;
  bitsPerToken: number;
  /** Set when the design could not run (its error), so one broken row does not hide the rest. */
  error?: string;
}

function baseConfig(model: ModelConfig, codebook: number, c: { steps: number; batch: number; crop: number; lr: number; seed: number }): TrainConfig {
  return {
    model,
    quantizer: { kind: 'vq', codebookSize: codebook, beta: 0.25 },
    learningRate: c.lr,
    steps: c.steps,
    batchSize: c.batch,
    crop: c.crop,
    seed: c.seed,
    checkpointEvery: 0,
  };
}

/** The design's full config, resolved as the service resolves a form's. */
export function designConfig(d: Design, base: TrainConfig, seq: FrameSequence): TrainConfig {
  const quantizer = { ...(EXPLICIT.has(d.quantizer.kind) ? { codebookSize: base.quantizer.codebookSize } : {}), ...d.quantizer };
  return resolveTrainConfig({ model: { ...base.model, ...d.model }, quantizer }, base, seq);
}

/** The Tokenizer builds the quantizer its architecture needs (VQ-VAE-2 has a two-level one). */
function makeTrainer(cfg: TrainConfig, seq: FrameSequence): Trainer {
  return new Trainer(new Tokenizer(cfg, seq.encoding), cfg);
}

function disposeTrainer(t: Trainer): void {
  t.tokenizer.dispose();
  t.dispose();
}

/** The reference step's shape as a sequence header (the timed step feeds its own random batch). */
function referenceSequence(o: DesignBenchOptions['timing']): FrameSequence {
  return {
    name: 'reference step',
    length: o.batch,
    channels: o.channels,
    height: o.size,
    width: o.size,
    channelNames: Array.from({ length: o.channels }, (_, c) => `c${c}`),
    encoding: { kind: 'continuous' },
    getFrame: () => Promise.reject(new Error('the reference step has no frames to read')),
  };
}

/**
 * (a) Milliseconds per reference training step of every design. On a shared machine the load
 * drifts over minutes, so the designs are timed in interleaved rounds (each round times every
 * design for `steps` steps) and each design's figure is its median round: a slow patch of the
 * machine then costs every design alike instead of whichever ran during it.
 */
async function stepTimes(designs: Design[], o: DesignBenchOptions['timing']): Promise<Array<number | Error>> {
  const seq = referenceSequence(o);
  const base = baseConfig({ inChannels: o.channels, hidden: o.hidden, latentDim: o.latent, stages: o.stages }, o.codebook, { steps: 1_000_000, batch: o.batch, crop: 0, lr: 1e-3, seed: 0 });
  const rng = new Rng(2);
  const x = tf.tensor4d(Float32Array.from({ length: o.batch * o.channels * o.size * o.size }, () => rng.normal()), [o.batch, o.channels, o.size, o.size]);
  const trainers: Array<Trainer | Error> = designs.map((d) => {
    try {
      return makeTrainer(designConfig(d, base, seq), seq);
    } catch (e) {
      return e as Error;
    }
  });
  const rounds: number[][] = designs.map(() => []);
  try {
    for (const t of trainers) if (!(t instanceof Error)) for (let i = 0; i < o.warmup; i++) await t.trainStep(x);
    for (let r = 0; r < o.rounds; r++) {
      for (const [i, t] of trainers.entries()) {
        if (t instanceof Error) continue;
        const t0 = performance.now();
        for (let k = 0; k < o.steps; k++) await t.trainStep(x);
        rounds[i]!.push((performance.now() - t0) / o.steps);
      }
    }
  } finally {
    x.dispose();
    for (const t of trainers) if (!(t instanceof Error)) disposeTrainer(t);
  }
  return trainers.map((t, i) => (t instanceof Error ? t : median(rounds[i]!)));
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** mIoU of every frame of `seq` decoded through the tokenizer's tokens (free class excluded). */
async function sequenceMiou(t: Trainer, seq: FrameSequence): Promise<number> {
  const enc = seq.encoding;
  if (enc.kind !== 'classes') return NaN;
  const K = enc.numClasses;
  const cm = new ConfusionMatrix(K);
  for (let i = 0; i < seq.length; i += 4) {
    const n = Math.min(4, seq.length - i);
    const frames = await Promise.all(Array.from({ length: n }, (_, k) => seq.getFrame(i + k)));
    const data = new Float32Array(n * seq.channels * seq.height * seq.width);
    frames.forEach((f, k) => data.set(f.data, k * f.data.length));
    const x = tf.tensor4d(data, [n, seq.channels, seq.height, seq.width]);
    const both = tf.tidy(() => {
      const { indices } = t.tokenizer.encode(x);
      const out = t.tokenizer.decodeIndices(indices);
      // Per cell: argmax over the class channels, predicted then true.
      return tf.concat([tf.argMax(out, 1).flatten(), tf.argMax(x, 1).flatten()]).asType('int32');
    });
    const v = (await both.data()) as Int32Array;
    tf.dispose([x, both]);
    cm.add(v.subarray(0, v.length / 2), v.subarray(v.length / 2));
  }
  return cm.scores(enc.freeClass ?? 0).miou;
}

/** (b) The comparison run of one design. */
async function compare(d: Design, o: DesignBenchOptions['compare'], seq: FrameSequence): Promise<Omit<DesignRow, 'name' | 'stepMs' | 'ratio'>> {
  const base = baseConfig({ inChannels: seq.channels, hidden: o.hidden, latentDim: o.latent, stages: 2 }, o.codebook, o);
  const cfg = designConfig(d, base, seq);
  const t = makeTrainer(cfg, seq);
  try {
    // Same seed → same crops in the same order for every design.
    const sampler = new BatchSampler(seq, o.batch, o.crop, o.seed, 2 ** cfg.model.stages);
    let last = null;
    for (let i = 0; i < o.steps; i++) last = await t.trainStep(await sampler.next());
    return {
      kind: cfg.quantizer.kind,
      utilization: last!.utilization,
      perplexity: last!.perplexity,
      deadCodes: last!.deadCodes,
      bitsPerToken: last!.bitsPerToken,
      miou: await sequenceMiou(t, seq),
    };
  } finally {
    disposeTrainer(t);
  }
}

export async function runDesignBench(opts: DesignBenchOptions = DEFAULT_OPTIONS, log: (line: string) => void = () => {}): Promise<DesignRow[]> {
  const designs = opts.only?.length ? DESIGNS.filter((d, i) => i === 0 || opts.only!.some((s) => d.name.toLowerCase().includes(s.toLowerCase()))) : DESIGNS;
  const seq = createProceduralSequence({ seed: opts.compare.seed, frames: opts.compare.frames, size: opts.compare.size });
  log('  (a) timing every design in interleaved rounds');
  const times = await stepTimes(designs, opts.timing);
  const vqMs = typeof times[0] === 'number' ? times[0] : NaN;
  const rows: DesignRow[] = [];
  for (const [i, d] of designs.entries()) {
    const t0 = performance.now();
    const stepMs = times[i]!;
    try {
      if (stepMs instanceof Error) throw stepMs;
      const c = await compare(d, opts.compare, seq);
      rows.push({ name: d.name, stepMs, ratio: stepMs / vqMs, ...c });
    } catch (e) {
      rows.push({ name: d.name, kind: d.quantizer.kind, stepMs: NaN, ratio: NaN, utilization: NaN, perplexity: NaN, deadCodes: NaN, miou: NaN, bitsPerToken: NaN, error: (e as Error).message });
    }
    log(`  (b) ${d.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return rows;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const num = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '–');

export function formatTable(rows: DesignRow[]): string {
  const head = ['design', 'ms/step', '× VQ', 'bits/tok', 'util %', 'perplexity', 'dead', 'mIoU'];
  const body = rows.map((r) => [
    r.name,
    num(r.stepMs, 0),
    num(r.ratio, 2),
    num(r.bitsPerToken, 1),
    num(r.utilization * 100, 1),
    num(r.perplexity, 1),
    Number.isFinite(r.deadCodes) ? String(r.deadCodes) : '–',
    num(r.miou, 3),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const errors = rows.filter((r) => r.error).map((r) => `  ${r.name}: ${r.error}`);
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), ...(errors.length ? ['failed:', ...errors] : [])].join('\n');
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opts: DesignBenchOptions = structuredClone(DEFAULT_OPTIONS);
  const steps = argValue(args, '--steps');
  if (steps) opts.compare.steps = Number(steps);
  const timing = argValue(args, '--timing-steps');
  if (timing) opts.timing.steps = Number(timing);
  const rounds = argValue(args, '--rounds');
  if (rounds) opts.timing.rounds = Number(rounds);
  const only = argValue(args, '--only');
  if (only) opts.only = only.split(',');
  await initBackend({ prefer: ['wasm'] });
  const t = opts.timing;
  const c = opts.compare;
  process.stderr.write(
    `backend ${tf.getBackend()}\n` +
      `(a) reference step: batch ${t.batch} of ${t.size}×${t.size}×${t.channels}, hidden ${t.hidden}, latent ${t.latent}, K ${t.codebook}; median of ${t.rounds} interleaved rounds of ${t.steps} steps after ${t.warmup} warm-up\n` +
      `(b) procedural scene: ${c.frames} frames of ${c.size}², crops ${c.crop}, batch ${c.batch}, hidden ${c.hidden}, latent ${c.latent}, K ${c.codebook}, ${c.steps} steps, seed ${c.seed}\n`,
  );
  const t0 = performance.now();
  const rows = await runDesignBench(opts, (l) => process.stderr.write(l + '\n'));
  if (args.includes('--json')) process.stdout.write(JSON.stringify(rows) + '\n');
  else process.stdout.write(formatTable(rows) + '\n');
  process.stderr.write(`${((performance.now() - t0) / 1000).toFixed(0)} s in all\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => {
    process.stderr.write(`bench:designs failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
