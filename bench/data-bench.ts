/**
 * Data-layer timings (`npx tsx bench/data-bench.ts`, also run by `npm run bench`): per frame of
 * the 11-frame nuScenes lidar sample, the time to read the sweep and its labels and to
 * rasterize it into a 200×200 ego-frame BEV frame; then reading the Occ3D sample and building
 * its BEV frames; then the procedural scene. Medians of a few runs after a warm-up; the
 * figures depend on the machine and its load. The sample data is nuScenes (Motional),
 * CC BY-NC-SA 4.0, Occ3D labels by the Occ3D authors.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPointCloud, readPointLabels } from '../src-main/data/lidar';
import { rasterizeLidar } from '../src-main/data/lidar-bev';
import { readLidarSampleMeta } from '../src-main/data/lidar-sequence';
import { readOcc3d } from '../src-main/data/occ3d';
import { occupancyToBev } from '../src-main/data/occupancy-bev';
import { transformFromPose } from '../src-main/data/pose';
import { createProceduralSequence } from '../src-main/data/procedural-scene';

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.resolve(here, '../../shared/data');
const LIDAR = path.join(DATA, 'nuscenes-lidarseg-seq11');
const OCC = path.join(DATA, 'occ3d-nuscenes-sample/labels.npz');
const RUNS = 5;

/** Median and best of `runs` timings: on a shared machine the best shows the code, the median the load. */
async function time(fn: () => Promise<unknown> | unknown, runs = RUNS): Promise<{ median: number; best: number }> {
  await fn(); // warm-up: JIT and file cache
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, best: times[0]! };
}

const fmt = (ms: number) => ms.toFixed(2).padStart(7);
const both = (t: { median: number; best: number }) => `${fmt(t.median)} (${fmt(t.best)})`;

async function main(): Promise<void> {
  if (!existsSync(LIDAR) || !existsSync(OCC)) {
    console.log(`data bench: skipped (no sample data under ${path.relative(process.cwd(), DATA)})`);
    return;
  }
  console.log(`lidar sample (${path.relative(process.cwd(), LIDAR)}), 200×200 grid at 0.4 m, 20 channels (3 + 17 classes)`);
  console.log(`ms per frame, median (best) of ${RUNS}:`);
  console.log('frame   points   read (pc + pc_seman)   rasterize (lidar → ego)   total');
  const frames = await readLidarSampleMeta(LIDAR);
  // Warm the JIT on one frame first, so frame 0's figures are not the compiler's.
  for (let i = 0; i < 10; i++) {
    const c = await readPointCloud(path.join(LIDAR, 'pc', 'pc0.npy'));
    c.labels = await readPointLabels(path.join(LIDAR, 'pc_seman', 'pc_seman_0.npy'), c.count);
    rasterizeLidar(c, { transform: transformFromPose(frames[0]!.lidarToEgo) });
  }
  let sumRead = 0;
  let sumRaster = 0;
  let sumBest = 0;
  for (const f of frames) {
    const pc = path.join(LIDAR, 'pc', `pc${f.frame}.npy`);
    const sem = path.join(LIDAR, 'pc_seman', `pc_seman_${f.frame}.npy`);
    const read = async () => {
      const cloud = await readPointCloud(pc);
      cloud.labels = await readPointLabels(sem, cloud.count);
      return cloud;
    };
    const cloud = await read();
    const transform = transformFromPose(f.lidarToEgo);
    const readT = await time(read);
    const rasterT = await time(() => rasterizeLidar(cloud, { transform }));
    sumRead += readT.median;
    sumRaster += rasterT.median;
    sumBest += readT.best + rasterT.best;
    console.log(
      `${String(f.frame).padStart(5)} ${String(cloud.count).padStart(8)}   ${both(readT)}     ${both(rasterT)}      ${fmt(readT.median + rasterT.median)}`,
    );
  }
  const n = frames.length;
  console.log(`mean of medians   ${fmt(sumRead / n)}               ${fmt(sumRaster / n)}                  ${fmt((sumRead + sumRaster) / n)} ms/frame`);
  console.log(`mean of bests     read + rasterize ${fmt(sumBest / n)} ms/frame`);

  console.log(`\nOcc3D sample (${path.relative(process.cwd(), OCC)}), 200×200×16 voxels, ms, median (best) of ${RUNS}:`);
  const readAll = await time(() => readOcc3d(OCC));
  const readSem = await time(() => readOcc3d(OCC, { masks: [] }));
  const occ = await readOcc3d(OCC);
  const folded = await time(() => occupancyToBev(occ));
  const topDown = await time(() => occupancyToBev(occ, { mode: 'top-down' }));
  const topDownMasked = await time(() => occupancyToBev(occ, { mode: 'top-down', mask: 'camera' }));
  console.log(`read labels.npz (semantics + 2 masks)   ${both(readAll)}`);
  console.log(`read labels.npz (semantics only)        ${both(readSem)}`);
  console.log(`height-folded BEV [288, 200, 200]       ${both(folded)}`);
  console.log(`top-down BEV [18, 200, 200]             ${both(topDown)}`);
  console.log(`top-down BEV, camera mask               ${both(topDownMasked)}`);
  console.log(`read + height-folded BEV                ${fmt(readSem.median + folded.median)} ms/frame (median)`);

  console.log(`\nprocedural scene (one-hot [18, H, W], ego motion), ms/frame over 32 frames, median (best) of ${RUNS}:`);
  for (const size of [64, 128, 256]) {
    const seq = createProceduralSequence({ size, frames: 32, egoMotion: true });
    const t = await time(async () => {
      for (let i = 0; i < 32; i++) await seq.getFrame(i);
    });
    console.log(`${`${size}×${size}`.padEnd(40)}${both({ median: t.median / 32, best: t.best / 32 })}`);
  }
}

main().catch((err: unknown) => {
  console.error(`data bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
