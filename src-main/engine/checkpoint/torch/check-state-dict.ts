import { TorchCheckpointError } from './errors';

/**
 * Checks a state dict's names and shapes against what a model needs, as PyTorch's
 * `load_state_dict(strict=True)` would, but before any tensor is read: one line per problem,
 * each naming the tensor and both shapes, all in one error that names the file.
 */

export interface CheckStateDictOptions {
  /**
   * Names that may be present without the model needing them: buffers a training run keeps
   * beside the weights (EMA codebook statistics, BatchNorm counters). Default: KNOWN_BUFFERS.
   */
  allowExtra?: (name: string) => boolean;
}

/** Buffers of vector-quantize-pytorch / taming / OccWorld-style quantizers and BatchNorm. */
const KNOWN_BUFFER = /(^|\.)(cluster_size|embed_avg|embed_ema|ema_[a-z_]+|initted|num_batches_tracked|batch_mean|batch_variance)$/;

export function isKnownBuffer(name: string): boolean {
  return KNOWN_BUFFER.test(name);
}

export class StateDictMismatchError extends TorchCheckpointError {
  constructor(
    file: string,
    readonly problems: string[],
  ) {
    super(file, `state dict does not match the model (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`);
    this.name = 'StateDictMismatchError';
  }
}

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

export function checkStateDict(
  file: string,
  expected: Record<string, number[]>,
  sd: ReadonlyMap<string, { shape: readonly number[] }>,
  opts: CheckStateDictOptions = {},
): void {
  const allowExtra = opts.allowExtra ?? isKnownBuffer;
  const problems: string[] = [];
  for (const [name, want] of Object.entries(expected)) {
    const got = sd.get(name);
    if (!got) problems.push(`missing tensor ${name} (the model needs ${fmt(want)})`);
    else if (got.shape.length !== want.length || got.shape.some((d, i) => d !== want[i])) {
      problems.push(`tensor ${name} is ${fmt(got.shape)} in the file but the model needs ${fmt(want)}`);
    }
  }
  for (const [name, t] of sd) {
    if (!Object.prototype.hasOwnProperty.call(expected, name) && !allowExtra(name)) {
      problems.push(`unexpected tensor ${name} ${fmt(t.shape)}: the model has no such parameter`);
    }
  }
  if (problems.length) throw new StateDictMismatchError(file, problems);
}
