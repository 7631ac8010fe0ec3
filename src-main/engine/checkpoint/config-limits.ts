/**
 * Sane bounds on every number a checkpoint's state or an export's config.json may hold, checked
 * before anything is built from them. The files are not trusted: a residual depth of 1e7 would
 * build ten million codebooks on the main thread, a codebook size of 1e9 would ask for a typed
 * array larger than memory. These bounds are far above any tokenizer in the literature
 * (OccWorld: K = 512, D = 128; MaskGIT / MAGVIT: K ≤ 2^18 via LFQ), and well below what breaks.
 * After these pass, the weights' actual shapes are compared with the config (configProblems),
 * so an allocation is never larger than the weights file, which the memory budget bounds.
 */

export const CONFIG_LIMITS = {
  /** Input/output channels (Occ3D height-folded one-hot: 16 heights × 18 classes = 288). */
  channels: 4096,
  hidden: 4096,
  latentDim: 4096,
  /** Explicit codebooks (vq, rvq, gvq). */
  codebookSize: 1 << 20,
  /** Residual levels or groups. */
  depth: 64,
  /** Implicit codebooks (fsq levels' product, 2^latent for lfq/bsq): id histograms are this long. */
  implicitCodebook: 1 << 24,
  fsqDims: 32,
  fsqLevel: 1 << 16,
  /** Frame side in cells. */
  frameSide: 16_384,
} as const;

type Problem = string;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

function intIn(name: string, v: unknown, min: number, max: number, out: Problem[]): v is number {
  if (!isInt(v) || v < min || v > max) {
    out.push(`${name} must be an integer in ${min}..${max} (got ${short(v)})`);
    return false;
  }
  return true;
}

/** A value for a message: never more than a few dozen characters of whatever the file held. */
export function short(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

export interface LimitedModel {
  inChannels?: unknown;
  hidden?: unknown;
  latentDim?: unknown;
  stages?: unknown;
}

export interface LimitedQuantizer {
  kind?: unknown;
  codebookSize?: unknown;
  depth?: unknown;
  levels?: unknown;
}

/**
 * The problems with a model + quantizer config's numbers (empty when all are in bounds).
 * Written for untrusted input: any field may be of any type.
 */
export function configLimitProblems(model: LimitedModel, quantizer: LimitedQuantizer, outChannels?: unknown): Problem[] {
  const L = CONFIG_LIMITS;
  const p: Problem[] = [];
  intIn('model.inChannels', model.inChannels, 1, L.channels, p);
  if (outChannels !== undefined) intIn('outChannels', outChannels, 1, L.channels, p);
  intIn('model.hidden', model.hidden, 1, L.hidden, p);
  const latentOk = intIn('model.latentDim', model.latentDim, 1, L.latentDim, p);
  intIn('model.stages', model.stages, 1, 6, p);
  const kind = quantizer.kind;
  switch (kind) {
    case 'vq':
      intIn('quantizer.codebookSize', quantizer.codebookSize, 2, L.codebookSize, p);
      break;
    case 'rvq':
    case 'gvq': {
      intIn('quantizer.codebookSize', quantizer.codebookSize, 2, L.codebookSize, p);
      if (intIn('quantizer.depth', quantizer.depth, 1, L.depth, p) && kind === 'gvq' && latentOk && (model.latentDim as number) % quantizer.depth !== 0) {
        p.push(`gvq: latentDim ${model.latentDim as number} is not divisible into ${quantizer.depth} groups`);
      }
      break;
    }
    case 'mhvq':
      intIn('quantizer.codebookSize', quantizer.codebookSize, 2, L.codebookSize, p);
      intIn('quantizer.depth', quantizer.depth, 1, L.depth, p);
      break;
    case 'rlfq':
      intIn('quantizer.depth', quantizer.depth, 1, L.depth, p);
      if (latentOk && 2 ** (model.latentDim as number) > L.implicitCodebook) {
        p.push(`rlfq with latentDim ${model.latentDim as number} implies 2^${model.latentDim as number} codes per level, more than the ${L.implicitCodebook} supported`);
      }
      break;
    case 'rfsq':
    case 'fsq': {
      if (kind === 'rfsq') intIn('quantizer.depth', quantizer.depth, 1, L.depth, p);
      const levels = quantizer.levels;
      if (!Array.isArray(levels) || levels.length < 1 || levels.length > L.fsqDims) {
        p.push(`quantizer.levels must be a list of 1..${L.fsqDims} integers (got ${short(levels)})`);
        break;
      }
      let product = 1;
      for (const [i, v] of levels.entries()) if (intIn(`quantizer.levels[${i}]`, v, 2, L.fsqLevel, p)) product *= v;
      if (product > L.implicitCodebook) p.push(`fsq levels imply ${product} codes, more than the ${L.implicitCodebook} supported`);
      break;
    }
    case 'lfq':
    case 'bsq':
      if (latentOk && 2 ** (model.latentDim as number) > L.implicitCodebook) {
        p.push(`${kind} with latentDim ${model.latentDim as number} implies 2^${model.latentDim as number} codes, more than the ${L.implicitCodebook} supported (latentDim ≤ ${Math.log2(L.implicitCodebook)})`);
      }
      break;
    default:
      p.push(`quantizer.kind ${short(kind)} is not one of vq, fsq, lfq, bsq, rvq, gvq, rfsq, rlfq, mhvq`);
  }
  return p;
}

/** The problems with an input description's sizes, channel names and encoding. */
export function inputLimitProblems(input: { height?: unknown; width?: unknown; channelNames?: unknown; encoding?: unknown }, inChannels: unknown): Problem[] {
  const p: Problem[] = encodingProblems(input.encoding, inChannels);
  intIn('input.height', input.height, 1, CONFIG_LIMITS.frameSide, p);
  intIn('input.width', input.width, 1, CONFIG_LIMITS.frameSide, p);
  const names = input.channelNames;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string' && n.length <= 200)) p.push('input channel names must be a list of short strings');
  else if (names.length !== inChannels) p.push(`input has ${names.length} channel names but the model takes ${short(inChannels)} channels`);
  return p;
}

/** A recorded frame encoding: continuous, or classes whose count × groups is the model's input channels. */
function encodingProblems(enc: unknown, inChannels: unknown): Problem[] {
  const p: Problem[] = [];
  if (enc === undefined) return p;
  const e = enc as Record<string, unknown> | null;
  if (typeof e !== 'object' || e === null) return ['input.encoding is not an object'];
  if (e.kind === 'continuous') return p;
  if (e.kind !== 'classes') return [`input.encoding.kind ${short(e.kind)} is not "continuous" or "classes"`];
  const k = e.numClasses;
  const g = e.groups;
  const okClasses = intIn('input.encoding.numClasses', k, 1, 256, p);
  const okGroups = intIn('input.encoding.groups', g, 1, CONFIG_LIMITS.channels, p);
  if (okClasses && okGroups && (k as number) * (g as number) !== inChannels) {
    p.push(`input.encoding has ${k as number} classes × ${g as number} groups = ${(k as number) * (g as number)} channels but the model takes ${short(inChannels)}`);
  }
  if (!Array.isArray(e.palette) || e.palette.length > 256 || !e.palette.every((c) => typeof c === 'object' && c !== null)) p.push('input.encoding.palette must be a list of at most 256 classes');
  if (e.freeClass !== undefined && okClasses) intIn('input.encoding.freeClass', e.freeClass, 0, (k as number) - 1, p);
  return p;
}
