/**
 * Whole-dataset encode bench: frames per second and peak memory (RSS of the process, its worker
 * threads included) encoding a synthetic Occ3D-nuScenes tree of 2,000 frames (50 scenes × 40,
 * built in a temp dir from the real sample frame) with a small tokenizer, to one token file per
 * scene + index.json. DATASET_BENCH_FRAMES and DATASET_BENCH_MEMORY_MIB change the size and the
 * memory bound. Run: `npx tsx bench/dataset-bench.ts`. Not a test: figures depend on the machine.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src-main/engine/backend';
import { Tokenizer } from '../src-main/engine/tokenizer';
import { buildOcc3dTree } from '../src-main/data/occ3d-test-tree';
import { classEncoding } from '../src-main/data/palette';
import { encodeDataset, framesInFlight } from '../src-main/service/dataset-encode';
import { SMALL_CONFIG } from '../src-main/service/test-config';

const here = path.dirname(fileURLToPath(import.meta.url));
const SAMPLE = path.resolve(here, '../../shared/data/occ3d-nuscenes-sample/labels.npz');
const FRAMES = Number(process.env.DATASET_BENCH_FRAMES ?? 2000);
const PER_SCENE = 40;
const MEMORY_MIB = Number(process.env.DATASET_BENCH_MEMORY_MIB ?? 1024);

async function main(): Promise<void> {
  const status = await initBackend({ allowNative: true });
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tokenscope-dataset-bench-'));
  try {
    const scenes = Array.from({ length: Math.ceil(FRAMES / PER_SCENE) }, (_, i) => ({
      name: `scene-${String(i + 1).padStart(4, '0')}`,
      split: i % 5 === 4 ? 'val' : 'train',
      frames: Math.min(PER_SCENE, FRAMES - i * PER_SCENE),
    }));
    let t = performance.now();
    const root = path.join(tmp, 'occ3d');
    await buildOcc3dTree(root, SAMPLE, scenes, { distinct: 8 });
    console.log(`tree: ${FRAMES} frames in ${scenes.length} scenes written in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const cfg = { ...SMALL_CONFIG, model: { ...SMALL_CONFIG.model, inChannels: 288 } };
    const tok = new Tokenizer(cfg, classEncoding(16));
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    t = performance.now();
    const r = await encodeDataset(tok, root, { outDir: path.join(tmp, 'tokens'), maxMemoryBytes: MEMORY_MIB * 2 ** 20 });
    const seconds = (performance.now() - t) / 1000;
    clearInterval(timer);
    tok.dispose();
    const mib = (n: number) => (n / 2 ** 20).toFixed(0);
    console.log(
      `dataset encode (${status.name}, small model hidden ${cfg.model.hidden}, 288×200×200 frames): ${(FRAMES / seconds).toFixed(1)} frames/s, ` +
        `${seconds.toFixed(1)} s for ${r.encoded.length} scenes with ${r.plan.workers} worker(s), batch ${r.plan.batchSize}`,
    );
    console.log(
      `  peak RSS ${mib(peak)} MiB (${mib(peak - baseline)} MiB above the start) under a ${MEMORY_MIB} MiB bound on frames in flight ` +
        `(${mib(framesInFlight(r.plan) * r.plan.frameBytes)} MiB planned)`,
    );
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`dataset bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
