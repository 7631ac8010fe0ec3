/**
 * The embedded default data: a deterministic top-down semantic driving scene, so the app and
 * the CLI do something real with no files at all, and tests get as many frames as they want.
 *
 * Layout (grid rows = y pointing down / ego's left at the top, columns = x = driving direction):
 * a four-lane main road with a median runs along x through the middle, sidewalks and a verge
 * with trees on each side, then lots with buildings, parks or parking; some blocks have a
 * cross road. Cars, trucks and buses drive along the lanes, pedestrians walk on the sidewalks,
 * all at constant integer velocities in cells per frame, so the next frame is exactly
 * predictable from the current one (an agent leaving the grid wraps round out of sight and
 * re-enters on the other side). With ego motion the window slides along the road at a
 * constant integer speed, so the static world shifts by a whole number of cells per frame.
 *
 * Sizes are given for a 128-cell grid (0.5 m cells, 64 m across) and scaled with the grid, so
 * any size shows the same 64 m of street.
 */
import { centredGrid, describeGrid } from './bev-grid';
import type { BevFrame, EgoPose, FrameSequence } from './frame';
import { oneHot } from './frame-utils';
import { classChannelNames, classEncoding, CLS, NUM_CLASSES } from './palette';
import { Rng } from '../util/rng';

export interface ProceduralOptions {
  seed?: number;
  frames?: number;
  /** Grid side in cells (frames are square). */
  size?: number;
  /** Whether the ego car drives along the road (the world then slides under the grid). */
  egoMotion?: boolean;
}

/** Scene extent in metres, whatever the grid size. */
export const PROCEDURAL_EXTENT_M = 64;
/** 10 Hz, a lidar's rate: with 0.5 m cells, 2–4 cells a frame is 10–20 m/s. */
export const PROCEDURAL_FRAME_INTERVAL_US = 100_000;

/** One moving thing: an axis-aligned box sliding along x. */
export interface ProceduralAgent {
  cls: number;
  /** Left edge (in grid columns) at frame 0, before wrapping, in world cells. */
  x0: number;
  /** Top row and size. */
  y: number;
  length: number;
  width: number;
  /** World velocity along x in cells per frame (integer). */
  vx: number;
}

interface Lot {
  x0: number;
  x1: number;
  kind: 'building' | 'park' | 'parking';
  rng: number;
}

/** A scene: the static layout is a function of world x, the agents a function of time. */
export class ProceduralScene {
  readonly size: number;
  readonly seed: number;
  readonly egoMotion: boolean;
  /** Ego speed in cells per frame (0 without ego motion). */
  readonly egoSpeed: number;
  readonly cellSizeM: number;
  readonly agents: ProceduralAgent[] = [];
  /** Agents wrap on a loop longer than the grid, so they leave and re-enter out of sight. */
  readonly loop: number;
  private readonly margin: number;
  private readonly u: number;
  // Vertical layout (rows).
  private readonly roadTop: number;
  private readonly roadBottom: number;
  private readonly medianTop: number;
  private readonly medianBottom: number;
  private readonly laneW: number;
  private readonly sidewalkW: number;
  private readonly vergeW: number;
  private readonly blockLen: number;
  private readonly blockCache = new Map<number, { cross?: { x0: number; w: number }; lots: Lot[][]; barrier?: { x0: number; x1: number; side: 0 | 1 } }>();

  constructor(opts: ProceduralOptions = {}) {
    const size = opts.size ?? 128;
    if (!Number.isInteger(size) || size < 16) throw new RangeError(`procedural scene: size must be an integer ≥ 16, got ${size}`);
    this.size = size;
    this.seed = opts.seed ?? 7;
    this.egoMotion = opts.egoMotion ?? false;
    this.cellSizeM = PROCEDURAL_EXTENT_M / size;
    const u = (this.u = size / 128);
    const r = (v: number, min = 1) => Math.max(min, Math.round(v * u));
    this.laneW = r(7, 2);
    this.sidewalkW = r(5);
    this.vergeW = r(4);
    const medianW = r(2);
    const roadW = 4 * this.laneW + medianW;
    this.roadTop = Math.floor((size - roadW) / 2);
    this.roadBottom = this.roadTop + roadW;
    this.medianTop = this.roadTop + 2 * this.laneW;
    this.medianBottom = this.medianTop + medianW;
    this.blockLen = r(48, 8);
    this.margin = r(26, 4);
    this.loop = size + 2 * this.margin;

    const rng = new Rng(mix(this.seed, 0x5eed));
    this.egoSpeed = this.egoMotion ? Math.max(1, Math.round(3 * u)) : 0;
    this.spawnVehicles(rng);
    this.spawnPedestrians(rng);
  }

  /** Column of world x = 0 in the grid at frame t: the window's origin in world cells. */
  originAt(t: number): number {
    return this.egoSpeed * t;
  }

  /** The `[H, W]` class map of frame t. */
  labelsAt(t: number): Uint8Array {
    const s = this.size;
    const labels = new Uint8Array(s * s).fill(CLS.terrain);
    const ox = this.originAt(t);
    const firstBlock = Math.floor(ox / this.blockLen);
    const lastBlock = Math.floor((ox + s - 1) / this.blockLen);
    const paint = new Painter(labels, s, ox);
    for (let k = firstBlock; k <= lastBlock; k++) this.paintBlockSides(paint, k);
    this.paintMainRoad(paint, firstBlock, lastBlock);
    for (let k = firstBlock; k <= lastBlock; k++) this.paintBlockRoadside(paint, k);
    // Agents live in window coordinates on the loop; paint them with origin 0.
    const win = new Painter(labels, s, 0);
    for (const a of this.agents) {
      const x = this.agentColumn(a, t);
      win.rect(x, a.y, x + a.length, a.y + a.width, a.cls);
    }
    return labels;
  }

  /** Left column of an agent in the grid at frame t (may be off-grid). */
  agentColumn(a: ProceduralAgent, t: number): number {
    const rel = a.x0 + (a.vx - this.egoSpeed) * t;
    return mod(rel, this.loop) - this.margin;
  }

  private spawnVehicles(rng: Rng): void {
    const u = this.u;
    const r = (v: number, min = 1) => Math.max(min, Math.round(v * u));
    // Lanes 0,1 are westbound (above the median), 2,3 eastbound (right-hand traffic, heading +x).
    for (let lane = 0; lane < 4; lane++) {
      const top = lane < 2 ? this.roadTop + lane * this.laneW : this.medianBottom + (lane - 2) * this.laneW;
      const dir = lane < 2 ? -1 : 1;
      const speed = Math.max(1, Math.round(rng.pick([2, 3, 4]) * u)) * dir;
      let p = rng.range(0, r(20));
      for (;;) {
        const roll = rng.next();
        const kind = roll < 0.1 ? 'bus' : roll < 0.3 ? 'truck' : 'car';
        const length = kind === 'bus' ? r(24) : kind === 'truck' ? r(rng.range(16, 22)) : r(9, 2);
        const width = Math.min(this.laneW, kind === 'car' ? r(4) : r(5));
        if (p + length + r(6) > this.loop) break;
        this.agents.push({
          cls: kind === 'bus' ? CLS.bus : kind === 'truck' ? CLS.truck : CLS.car,
          x0: Math.round(p),
          y: top + Math.floor((this.laneW - width) / 2),
          length,
          width,
          vx: speed,
        });
        p += length + r(rng.range(8, 40));
      }
    }
  }

  private spawnPedestrians(rng: Rng): void {
    const r = (v: number, min = 1) => Math.max(min, Math.round(v * this.u));
    const size = r(1.5);
    for (const top of [this.roadTop - this.sidewalkW, this.roadBottom]) {
      const count = 3 + rng.int(4);
      for (let i = 0; i < count; i++) {
        this.agents.push({
          cls: CLS.pedestrian,
          x0: rng.int(this.loop),
          y: top + rng.int(Math.max(1, this.sidewalkW - size + 1)),
          length: size,
          width: size,
          vx: rng.pick([-1, 0, 1]),
        });
      }
    }
  }

  /** Static content of block k, generated once from (seed, k) so it is the same in every frame. */
  private block(k: number) {
    let b = this.blockCache.get(k);
    if (b) return b;
    const rng = new Rng(mix(this.seed, k));
    const r = (v: number, min = 1) => Math.max(min, Math.round(v * this.u));
    const x0 = k * this.blockLen;
    const x1 = x0 + this.blockLen;
    b = { lots: [[], []] };
    if (rng.next() < 0.4) {
      const w = 2 * this.laneW;
      b.cross = { x0: x0 + rng.int(Math.max(1, this.blockLen - w - 2 * this.sidewalkW)) + this.sidewalkW, w };
    }
    for (let side = 0; side < 2; side++) {
      let x = x0;
      while (x < x1) {
        const w = Math.min(x1 - x, r(rng.range(10, 22), 3));
        const roll = rng.next();
        b.lots[side]!.push({ x0: x, x1: x + w, kind: roll < 0.55 ? 'building' : roll < 0.85 ? 'park' : 'parking', rng: rng.int(2 ** 30) });
        x += w;
      }
    }
    if (rng.next() < 0.35) {
      const len = r(rng.range(8, 20), 3);
      const start = x0 + rng.int(Math.max(1, this.blockLen - len));
      b.barrier = { x0: start, x1: start + len, side: rng.next() < 0.5 ? 0 : 1 };
    }
    this.blockCache.set(k, b);
    if (this.blockCache.size > 64) this.blockCache.delete(this.blockCache.keys().next().value!);
    return b;
  }

  /** Lots beyond the verge on both sides: buildings, parks with trees, parking with parked cars. */
  private paintBlockSides(p: Painter, k: number): void {
    const b = this.block(k);
    const r = (v: number, min = 1) => Math.max(min, Math.round(v * this.u));
    const s = this.size;
    const sideRows: [number, number][] = [
      [0, this.roadTop - this.sidewalkW - this.vergeW],
      [this.roadBottom + this.sidewalkW + this.vergeW, s],
    ];
    for (let side = 0; side < 2; side++) {
      const [y0, y1] = sideRows[side]!;
      const depth = y1 - y0;
      if (depth <= 0) continue;
      for (const lot of b.lots[side]!) {
        const rng = new Rng(lot.rng);
        if (lot.kind === 'building') {
          const setback = Math.min(depth - 1, r(rng.range(1, 6)));
          const bDepth = Math.max(1, depth - setback - r(rng.range(0, 10), 0));
          const gap = lot.x1 - lot.x0 > 4 ? 1 : 0;
          if (side === 0) p.rect(lot.x0 + gap, y1 - setback - bDepth, lot.x1 - gap, y1 - setback, CLS.manmade);
          else p.rect(lot.x0 + gap, y0 + setback, lot.x1 - gap, y0 + setback + bDepth, CLS.manmade);
        } else if (lot.kind === 'park') {
          const trees = 1 + rng.int(4);
          for (let i = 0; i < trees; i++) {
            p.disc(rng.range(lot.x0, lot.x1), rng.range(y0, y1), r(rng.range(2, 4.5)), CLS.vegetation);
          }
        } else {
          p.rect(lot.x0, y0, lot.x1, y1, CLS.otherFlat);
          const carL = r(9, 2);
          const carW = r(4);
          for (let x = lot.x0 + 1; x + carW <= lot.x1; x += carW + 1) {
            if (rng.next() < 0.6) {
              const yy = side === 0 ? y1 - carL - 1 : y0 + 1;
              p.rect(x, yy, x + carW, yy + carL, CLS.car);
            }
          }
        }
      }
    }
    // Trees along the verge, one every ~10 m, the same for every frame.
    const rng = new Rng(mix(this.seed ^ 0x7ee5, k));
    for (let side = 0; side < 2; side++) {
      const yc = side === 0 ? this.roadTop - this.sidewalkW - this.vergeW / 2 : this.roadBottom + this.sidewalkW + this.vergeW / 2;
      for (let x = k * this.blockLen + r(4); x < (k + 1) * this.blockLen; x += r(rng.range(12, 24), 2)) {
        p.disc(x, yc, r(2.5), CLS.vegetation);
      }
    }
  }

  private paintMainRoad(p: Painter, firstBlock: number, lastBlock: number): void {
    const x0 = firstBlock * this.blockLen;
    const x1 = (lastBlock + 1) * this.blockLen;
    p.rect(x0, this.roadTop - this.sidewalkW, x1, this.roadTop, CLS.sidewalk);
    p.rect(x0, this.roadBottom, x1, this.roadBottom + this.sidewalkW, CLS.sidewalk);
    p.rect(x0, this.roadTop, x1, this.roadBottom, CLS.driveableSurface);
    p.rect(x0, this.medianTop, x1, this.medianBottom, CLS.otherFlat);
  }

  /** Cross roads (cut through lots, verge, sidewalks and median) and barriers with cones. */
  private paintBlockRoadside(p: Painter, k: number): void {
    const b = this.block(k);
    const s = this.size;
    if (b.cross) {
      const { x0, w } = b.cross;
      const sw = this.sidewalkW;
      p.rect(x0 - sw, 0, x0, this.roadTop - sw, CLS.sidewalk);
      p.rect(x0 + w, 0, x0 + w + sw, this.roadTop - sw, CLS.sidewalk);
      p.rect(x0 - sw, this.roadBottom + sw, x0, s, CLS.sidewalk);
      p.rect(x0 + w, this.roadBottom + sw, x0 + w + sw, s, CLS.sidewalk);
      p.rect(x0, 0, x0 + w, s, CLS.driveableSurface);
    }
    if (b.barrier) {
      const { x0, x1, side } = b.barrier;
      const y = side === 0 ? this.roadTop - this.sidewalkW : this.roadBottom + this.sidewalkW - 1;
      p.rect(x0, y, x1, y + 1, CLS.barrier);
      const step = Math.max(2, Math.round(3 * this.u));
      for (let i = 1; i <= 3; i++) p.rect(x1 + i * step, y, x1 + i * step + 1, y + 1, CLS.trafficCone);
    }
  }
}

/** Writes classes into a `[size, size]` map, world columns shifted by `ox` and clipped. */
class Painter {
  constructor(
    private readonly labels: Uint8Array,
    private readonly size: number,
    private readonly ox: number,
  ) {}

  rect(x0: number, y0: number, x1: number, y1: number, cls: number): void {
    const s = this.size;
    const c0 = Math.max(0, Math.round(x0 - this.ox));
    const c1 = Math.min(s, Math.round(x1 - this.ox));
    const r0 = Math.max(0, Math.round(y0));
    const r1 = Math.min(s, Math.round(y1));
    for (let y = r0; y < r1; y++) this.labels.fill(cls, y * s + c0, y * s + Math.max(c0, c1));
  }

  disc(cx: number, cy: number, radius: number, cls: number): void {
    const s = this.size;
    const x = cx - this.ox;
    const r2 = radius * radius;
    const r0 = Math.max(0, Math.floor(cy - radius));
    const r1 = Math.min(s - 1, Math.ceil(cy + radius));
    const c0 = Math.max(0, Math.floor(x - radius));
    const c1 = Math.min(s - 1, Math.ceil(x + radius));
    for (let row = r0; row <= r1; row++) {
      for (let col = c0; col <= c1; col++) {
        const dx = col + 0.5 - x;
        const dy = row + 0.5 - cy;
        if (dx * dx + dy * dy <= r2) this.labels[row * s + col] = cls;
      }
    }
  }
}

/** The procedural scene as a lazily generated FrameSequence (each frame is rendered on request). */
export function createProceduralSequence(opts: ProceduralOptions = {}): FrameSequence {
  const frames = opts.frames ?? 32;
  if (!Number.isInteger(frames) || frames < 1) throw new RangeError(`procedural scene: frames must be a positive integer, got ${frames}`);
  const scene = new ProceduralScene(opts);
  const s = scene.size;
  const encoding = classEncoding(1);
  const channelNames = classChannelNames(1);
  const timestampsUs = Array.from({ length: frames }, (_, t) => t * PROCEDURAL_FRAME_INTERVAL_US);
  // The ego sits at the grid centre heading +x; its world position moves with the window.
  const egoPoses: EgoPose[] = Array.from({ length: frames }, (_, t) => ({
    translation: [scene.originAt(t) * scene.cellSizeM, 0, 0],
    rotationWxyz: [1, 0, 0, 0],
  }));
  return {
    kind: 'procedural',
    sourcePath: `procedural:${scene.seed}`,
    egoPoses,
    name: `procedural scene (seed ${scene.seed}${scene.egoMotion ? ', ego motion' : ''})`,
    length: frames,
    channels: NUM_CLASSES,
    height: s,
    width: s,
    channelNames,
    encoding,
    timestampsUs,
    async getFrame(index: number): Promise<BevFrame> {
      if (!Number.isInteger(index) || index < 0 || index >= frames) {
        throw new RangeError(`procedural scene: frame ${index} out of 0..${frames - 1}`);
      }
      const labels = scene.labelsAt(index);
      const ox = scene.originAt(index);
      return {
        data: oneHot(labels, NUM_CLASSES),
        channels: NUM_CLASSES,
        height: s,
        width: s,
        channelNames,
        encoding,
        index,
        timestampUs: timestampsUs[index],
        egoPose: egoPoses[index],
        meta: {
          source: 'procedural',
          seed: scene.seed,
          cellSizeM: scene.cellSizeM,
          egoOffsetCells: ox,
          grid: describeGrid(centredGrid(s, scene.cellSizeM)),
        },
      };
    },
  };
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** A 32-bit hash of (seed, k), so each block's contents depend only on its index. */
function mix(seed: number, k: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(k + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}
