/**
 * A training kit: everything a team needs to train the tokenizer designed in TokenScope on a
 * cluster with PyTorch's DDP, in one self-contained folder —
 *   train.py + the twin module (and its helpers), config.json + model.safetensors (the
 *   tokenizer and its weights, as an export), data.json (what to train on), README.md (the
 *   ready torchrun command line).
 * The folder is written beside its final name and renamed into place: it exists whole or not at all.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pytorchResourceDir } from './pytorch-resources';

/** The Python files a kit carries, from resources/pytorch. */
export const KIT_PYTHON_FILES = ['train.py', 'tokenscope_tokenizer.py', 'kit_data.py', 'kit_quantizer.py', 'kit_run.py', 'kit_objectives.py'] as const;

export interface KitData {
  /**
   * What train.py reads: a path it opens itself (an Occ3D-nuScenes root with annotations.json,
   * or a `[T, C, H, W]` .npy), or frames written into the kit as `frames.npy`.
   */
  kind: 'path' | 'frames';
  /** Absolute path (kind 'path'), or the file name inside the kit (kind 'frames'). */
  file: string;
  split?: string;
  frames: number;
  description: string;
}

export interface TrainKitResult {
  dir: string;
  files: string[];
  command: string;
}

/**
 * Writes the kit into `dir` (which must not exist, or be empty). `writeExport` puts the
 * tokenizer's export (config.json, model.safetensors, …) into the folder it is given, and
 * `writeData` any data files the kit carries.
 */
export async function writeTrainKit(
  dir: string,
  data: KitData,
  writeExport: (into: string) => Promise<unknown>,
  writeData: (into: string) => Promise<void> = async () => undefined,
  opts: { steps?: number; processes?: number } = {},
): Promise<TrainKitResult> {
  const target = path.resolve(dir);
  await refuseNonEmpty(target);
  const tmp = `${target}.partial-${randomBytes(4).toString('hex')}`;
  await fs.mkdir(tmp, { recursive: true });
  try {
    await writeExport(tmp);
    await writeData(tmp);
    const src = pytorchResourceDir();
    for (const f of KIT_PYTHON_FILES) await fs.copyFile(path.join(src, f), path.join(tmp, f));
    const listing = { files: [data.file], ...(data.split ? { split: data.split } : {}), frames: data.frames, description: data.description };
    await fs.writeFile(path.join(tmp, 'data.json'), JSON.stringify(listing, null, 2) + '\n');
    const command = kitCommand(target, opts);
    await fs.writeFile(path.join(tmp, 'README.md'), kitReadme(command, data));
    await fs.rm(target, { recursive: true, force: true }); // only ever an empty folder (checked above)
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
  const files = (await fs.readdir(target)).sort().map((f) => path.join(target, f));
  return { dir: target, files, command: kitCommand(target, opts) };
}

async function refuseNonEmpty(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new Error(`${dir}: exists and is not a folder; the training kit needs a new folder`);
    throw err;
  }
  if (entries.length) throw new Error(`${dir}: the folder is not empty; the training kit is written into a new or empty folder`);
}

export function kitCommand(dir: string, opts: { steps?: number; processes?: number } = {}): string {
  const n = opts.processes ?? 2;
  const steps = opts.steps ?? 1000;
  return `torchrun --standalone --nproc_per_node ${n} ${path.join(dir, 'train.py')} --steps ${steps} --out ${path.join(dir, 'run')}`;
}

function kitReadme(command: string, data: KitData): string {
  return `# TokenScope training kit

Trains the tokenizer in \`config.json\` with PyTorch's DistributedDataParallel, fine-tuning from
\`model.safetensors\` (add \`--from-scratch\` for fresh weights).

\`\`\`bash
${command}
\`\`\`

- Data (\`data.json\`): ${data.description}. Train on something else with \`--data PATH\`
  (a \`[T, C, H, W]\` float32 .npy, or an Occ3D-nuScenes root holding \`annotations.json\`;
  \`--split train|val\`).
- \`--batch-size\` is the global batch, split across the processes; the quantizer's EMA counts
  and sums, k-means initialisation and dead-code statistics are all-reduced, so N processes
  follow the same trajectory as one process with the whole batch. NCCL on GPUs, gloo on CPUs.
- Many nodes: \`torchrun --nnodes M --nproc_per_node N --rdzv_backend c10d --rdzv_endpoint HOST:29400 train.py …\`.
- \`--amp\`: mixed precision (bf16 autocast; fp16 with gradient scaling on CUDA).
- Rank 0 writes \`RUN/checkpoints/step-NNNNNN/\` (config.json + model.safetensors, TokenScope's
  import format, renamed into place whole) every \`--checkpoint-every\` steps and appends one line
  per step to \`RUN/metrics.jsonl\`. A relaunch with the same \`--out\` resumes from the newest
  complete checkpoint (after a crash of any rank).
- Follow the run live: \`tokenscope serve --follow RUN\`, or File › Follow run… in the app.
- Debian's torch 1.13 on Python 3.11: its torchrun misreads its own default \`--redirects 0\`
  (AttributeError in \`to_map\`); add \`--redirects 1 --tee 1\` there.

Needs Python 3.8+, PyTorch ≥ 1.13 and numpy. Nothing here downloads anything.
`;
}
