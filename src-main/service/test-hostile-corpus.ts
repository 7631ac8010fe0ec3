/**
 * Test-only: writes a corpus of malformed inputs of every format TokenScope reads (issue 12's
 * corpus test). Each entry says which door it goes through and what its error must mention.
 * Nothing here is product code; it lives beside the test so the CLI test can reuse the files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import type { TrainConfig, TrainMetrics } from '../contract';
import { encodeNpy } from '../data/npy';
import { checkpointDigest, saveCheckpoint } from '../engine/checkpoint/checkpoint';
import { disposeStateDict, exportForPyTorch } from '../engine/checkpoint/export';
import { encodeSafetensors, parseSafetensorsHeader, readSafetensors } from '../engine/checkpoint/safetensors';
import { randomStateDict } from '../engine/checkpoint/test-fixtures';

export type Door = 'openPath' | 'openCheckpoint' | 'importPredictions' | 'decode';

export interface CorpusEntry {
  /** Path of the file or folder, relative to the corpus folder. */
  name: string;
  door: Door;
  /** What the message must say beyond naming the file. */
  problem: RegExp;
  /** The name the message must show, when not the entry's own (a folder whose file is at fault). */
  named?: string;
}

/** An .npy with any header text and body. */
export function rawNpy(header: string, body: Uint8Array, version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const text = header.padEnd(Math.ceil((header.length + prefix + 1) / 64) * 64 - prefix - 1, ' ') + '\n';
  const out = new Uint8Array(prefix + text.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const v = new DataView(out.buffer);
  if (version === 1) v.setUint16(8, text.length, true);
  else v.setUint32(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[prefix + i] = text.charCodeAt(i);
  out.set(body, prefix + text.length);
  return out;
}

const npyHeader = (descr: string, shape: number[]) =>
  `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;

function records(zip: Uint8Array, sig: number): number[] {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= zip.length; i++) if (v.getUint32(i, true) === sig) out.push(i);
  return out;
}

function withNaN(n: number, at: number): Uint8Array {
  const f = new Float32Array(n).fill(1);
  f[at] = NaN;
  return new Uint8Array(f.buffer);
}

/** A checkpoint whose state is replaced by `edit`'s and re-signed: the checksum is no secret. */
async function resigned(source: string, target: string, edit: (state: Record<string, any>) => void): Promise<void> {
  const f = await readSafetensors(source);
  const state = JSON.parse(f.metadata.state!) as Record<string, any>;
  edit(state);
  const stateText = JSON.stringify(state);
  const tensors = Object.fromEntries(Object.entries(f.tensors).map(([k, t]) => [k, { dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array }]));
  const meta = { format: 'tokenscope-checkpoint', version: '1', state: stateText };
  const draft = encodeSafetensors(tensors, meta);
  const header = parseSafetensorsHeader(draft, draft.byteLength, target);
  const sha256 = checkpointDigest(header.entries, stateText, draft.subarray(header.dataStart));
  await fs.writeFile(target, encodeSafetensors(tensors, { ...meta, sha256 }));
}

/**
 * Writes the corpus into `dir` and returns its entries. `good` is a valid checkpoint for
 * `config` (18 classes in, 4× down), whose token grid for the 32×32 procedural scene is 8×8.
 */
export async function writeCorpus(dir: string, good: string, config: TrainConfig): Promise<CorpusEntry[]> {
  const e: CorpusEntry[] = [];
  const put = async (name: string, bytes: Uint8Array | string, door: Door, problem: RegExp, named?: string) => {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), bytes);
    e.push({ name, door, problem, ...(named ? { named } : {}) });
  };
  const f32 = (n: number) => new Uint8Array(n * 4);

  // ---- .npy frames -------------------------------------------------------------------------
  await put('npy/truncated.npy', encodeNpy(new Float32Array(18 * 32 * 32), [18, 32, 32]).subarray(0, 500), 'openPath', /truncated/);
  await put('npy/bad-magic.npy', 'PK\x03\x04 not numpy', 'openPath', /bad magic/);
  await put('npy/tiny.npy', Uint8Array.of(0x93, 0x4e), 'openPath', /too short/);
  await put('npy/empty.npy', new Uint8Array(0), 'openPath', /too short/);
  await put('npy/version9.npy', rawNpy(npyHeader('<f4', [1]), f32(1), 9), 'openPath', /format version 9/);
  await put('npy/header-garbage.npy', rawNpy('this is no dict', f32(1)), 'openPath', /bad \.npy header/);
  await put('npy/object.npy', rawNpy(npyHeader('|O', [2]), new Uint8Array(16)), 'openPath', /pickles, which are never loaded/);
  await put('npy/structured.npy', rawNpy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", f32(2)), 'openPath', /structured/);
  await put('npy/huge-shape.npy', rawNpy(npyHeader('<f4', [100000, 100000, 100]), f32(4)), 'openPath', /truncated: header says 100000×100000×100 float32/);
  await put('npy/overflow-shape.npy', rawNpy(npyHeader('<f8', [99999999999, 99999999999, 99999]), f32(4)), 'openPath', /impossibly large/);
  const past = rawNpy(npyHeader('<f4', [1]), f32(1), 2);
  new DataView(past.buffer).setUint32(8, 0xfffffff0, true);
  await put('npy/header-past-end.npy', past, 'openPath', /header is 4294967280 bytes; numpy itself refuses/);
  await put('npy/header-20k.npy', rawNpy(npyHeader('<f4', [1]).padEnd(20_000, ' '), f32(1), 2), 'openPath', /header is 2\d{4} bytes; numpy itself refuses/);
  const trailing = new Uint8Array(encodeNpy(new Float32Array(4), [2, 2]).length + 8);
  trailing.set(encodeNpy(new Float32Array(4), [2, 2]));
  await put('npy/trailing.npy', trailing, 'openPath', /unexpected bytes after the data/);
  await put('npy/int-points.npy', encodeNpy(new Int32Array(100 * 4), [100, 4]), 'openPath', /read as neither a class map nor points/);
  await put('npy/one-axis.npy', encodeNpy(new Float32Array(5), [5]), 'openPath', /neither a frame, a sequence nor a point cloud/);
  await put('npy/five-axes.npy', encodeNpy(new Float32Array(32), [2, 2, 2, 2, 2]), 'openPath', /neither a frame, a sequence nor a point cloud/);
  await put('npy/channels-5000.npy', encodeNpy(new Float32Array(5000 * 4), [1, 5000, 2, 2]), 'openPath', /5000 channels; at most 4096/);
  await put('npy/nan-frame.npy', rawNpy(npyHeader('<f4', [2, 8, 8]), withNaN(128, 5)), 'openPath', /NaN|non-finite|not finite/i);
  await put('npy/garbage-float16-huge.npy', rawNpy(npyHeader('<f2', [4096, 4096]), new Uint8Array(10)), 'openPath', /truncated/);

  // ---- .npz --------------------------------------------------------------------------------
  const member = (arrays: Record<string, Uint8Array>, level: 0 | 9 = 9) => zipSync(arrays, { level });
  await put('npz/not-a-zip.npz', 'definitely not a zip archive', 'openPath', /not a readable \.npz \(zip\) archive/);
  const okZip = member({ 'x.npy': encodeNpy(new Float32Array(18 * 16 * 16), [18, 16, 16]) });
  await put('npz/truncated.npz', okZip.subarray(0, okZip.length - 40), 'openPath', /not a readable \.npz/);
  const zeros = new Float32Array((48 * 1024 * 1024) / 4);
  const bomb = member({ 'x.npy': encodeNpy(zeros, [zeros.length]) });
  await put('npz/bomb.npz', bomb, 'openPath', /over the memory budget/);
  const liar = bomb.slice();
  const lv = new DataView(liar.buffer);
  for (const at of records(liar, 0x04034b50)) lv.setUint32(at + 22, 4096, true);
  for (const at of records(liar, 0x02014b50)) lv.setUint32(at + 24, 4096, true);
  await put('npz/liar-bomb.npz', liar, 'openPath', /inflates past its declared size of 4096 bytes: a zip bomb/);
  const garbled = member({ 'x.npy': encodeNpy(new Float32Array(4), [2, 2]) }, 0);
  garbled.set([0x1b, 0x5b, 0x32, 0x4a, 0xff], records(garbled, 0x02014b50)[0]! + 46);
  await put('npz/garbled-directory.npz', garbled, 'openPath', /garbled name \("\\x1b\[2J\\xff/);
  const flipped = member({ 'x.npy': encodeNpy(new Float32Array(64), [8, 8]) }, 0);
  flipped[records(flipped, 0x04034b50)[0]! + 30 + 5 + 200] ^= 0x55;
  await put('npz/crc.npz', flipped, 'openPath', /CRC mismatch/);
  await put('npz/no-members.npz', zipSync({}), 'openPath', /holds 0 arrays/);
  await put('npz/two-arrays.npz', member({ 'a.npy': encodeNpy(new Float32Array(4), [2, 2]), 'b.npy': encodeNpy(new Float32Array(4), [2, 2]) }), 'openPath', /holds 2 arrays/);
  await put('npz/member-garbage.npz', member({ 'x.npy': new TextEncoder().encode('not an array at all') }), 'openPath', /not a \.npy file/);

  // ---- Occ3D labels.npz (each in its own frame folder, as Occ3D keeps them) ------------------
  const labels = (arrays: Record<string, Uint8Array>) => member(arrays);
  // A labels.npz in a frame folder is Occ3D's by its name: without 'semantics' it is broken, not "some array".
  await fs.mkdir(path.join(dir, 'occ3d/no-semantics'), { recursive: true });
  await fs.writeFile(path.join(dir, 'occ3d/no-semantics/labels.npz'), labels({ 'mask_lidar.npy': encodeNpy(new Uint8Array(8), [2, 2, 2]) }));
  e.push({ name: 'occ3d/no-semantics', door: 'openPath', problem: /no member 'semantics' in the archive/, named: 'labels.npz' });
  await put('occ3d/huge-z/labels.npz', labels({ 'semantics.npy': encodeNpy(new Uint8Array(65536), [1, 1, 65536]) }), 'openPath', /1179648 channels; at most 4096/);
  await put('occ3d/float-labels/labels.npz', labels({ 'semantics.npy': encodeNpy(new Float32Array(8 * 8 * 2), [8, 8, 2]) }), 'openPath', /integer dtype/);
  await put('occ3d/bad-class/labels.npz', labels({ 'semantics.npy': encodeNpy(new Uint8Array(8 * 8 * 2).fill(200), [8, 8, 2]) }), 'openPath', /values must be 0\.\./);
  await put('occ3d/two-axes/labels.npz', labels({ 'semantics.npy': encodeNpy(new Uint8Array(64), [8, 8]) }), 'openPath', /expected 3 axes/);
  const cut = encodeNpy(new Uint8Array(8 * 8 * 2), [8, 8, 2]);
  await put('occ3d/truncated-member/labels.npz', labels({ 'semantics.npy': cut.subarray(0, cut.length - 20) }), 'openPath', /truncated/);
  await put('occ3d/negative/labels.npz', labels({ 'semantics.npy': encodeNpy(new Int32Array(8 * 8 * 2).fill(-1), [8, 8, 2]) }), 'openPath', /values must be 0\.\./);

  // ---- lidar sweeps ------------------------------------------------------------------------
  await put('lidar/empty.bin', new Uint8Array(0), 'openPath', /empty point cloud|0 bytes/);
  await put('lidar/odd-size.bin', new Uint8Array(7), 'openPath', /not a whole number of float32 values/);
  await put('lidar/nan-ambiguous.bin', withNaN(20 * 4, 2), 'openPath', /1 of its 80 float32 values are not finite/);
  await put('lidar/nan.pcd.bin', withNaN(15, 1), 'openPath', /non-finite/);
  await put('lidar/neither-layout.bin', new Uint8Array(36), 'openPath', /fits no point layout/);
  const junk = new Uint8Array(4000);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 2654435761) >>> 24;
  await put('lidar/junk.pcd.bin', junk, 'openPath', /non-finite|ambiguous|not finite/);

  // ---- checkpoints (.ckpt) -----------------------------------------------------------------
  const goodBytes = await fs.readFile(good);
  await put('ckpt/empty.ckpt', new Uint8Array(0), 'openCheckpoint', /too short/);
  const hugeHeader = new Uint8Array(64);
  new DataView(hugeHeader.buffer).setBigUint64(0, 2n ** 62n, true);
  await put('ckpt/header-length.ckpt', hugeHeader, 'openCheckpoint', /runs past the end of the file/);
  const badJson = new Uint8Array(24);
  new DataView(badJson.buffer).setBigUint64(0, 16n, true);
  badJson.set(new TextEncoder().encode('{not json at all'), 8);
  await put('ckpt/bad-json.ckpt', badJson, 'openCheckpoint', /not valid UTF-8 JSON/);
  await put('ckpt/plain-safetensors.ckpt', encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array(2) } }), 'openCheckpoint', /not a TokenScope checkpoint/);
  const flippedCkpt = new Uint8Array(goodBytes);
  flippedCkpt[flippedCkpt.length - 3] ^= 0xff;
  await put('ckpt/flipped.ckpt', flippedCkpt, 'openCheckpoint', /checksum mismatch/);
  await put('ckpt/truncated.ckpt', goodBytes.subarray(0, goodBytes.length - 100), 'openCheckpoint', /corrupt or truncated/);
  const crafted = async (name: string, edit: (s: Record<string, any>) => void, problem: RegExp) => {
    await resigned(good, path.join(dir, name), edit);
    e.push({ name, door: 'openCheckpoint', problem });
  };
  await fs.mkdir(path.join(dir, 'ckpt'), { recursive: true });
  await crafted('ckpt/string-metrics.ckpt', (s) => (s.metrics = [{ step: '1', loss: 'x' }] as unknown as TrainMetrics[]), /metrics\[0\]\.step is not a number/);
  await crafted('ckpt/depth-1e7.ckpt', (s) => (s.config.quantizer = { kind: 'rvq', codebookSize: 16, depth: 1e7 }), /quantizer\.depth must be an integer in 1\.\.64/);
  await crafted('ckpt/k-1e9.ckpt', (s) => (s.config.quantizer.codebookSize = 1e9), /quantizer\.codebookSize must be an integer/);
  await crafted('ckpt/hidden-string.ckpt', (s) => (s.config.model.hidden = 'eight'), /model\.hidden must be an integer/);
  await crafted(
    'ckpt/encoding-1e9.ckpt',
    (s) => (s.input = { height: 32, width: 32, channelNames: Array.from({ length: 18 }, (_, i) => `c${i}`), encoding: { kind: 'classes', numClasses: 1e9, groups: 1, palette: [] } }),
    /input\.encoding\.numClasses must be an integer in 1\.\.256/,
  );
  await crafted('ckpt/k-mismatch.ckpt', (s) => (s.config.quantizer.codebookSize = 32), /weights do not match/);

  // ---- export folders ----------------------------------------------------------------------
  const exportDir = path.join(dir, 'exports', 'good');
  const sd = randomStateDict(config);
  await exportForPyTorch({ stateDict: () => Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.clone()])) }, config, exportDir);
  disposeStateDict(sd);
  const goodCfg = await fs.readFile(path.join(exportDir, 'config.json'), 'utf8');
  const exportVariant = async (name: string, edit: ((c: Record<string, any>) => void) | null, problem: RegExp, extra?: (d: string) => Promise<void> | void) => {
    const d = path.join(dir, 'exports', name);
    await fs.mkdir(d, { recursive: true });
    for (const f of await fs.readdir(exportDir)) await fs.copyFile(path.join(exportDir, f), path.join(d, f));
    if (edit) {
      const c = JSON.parse(goodCfg) as Record<string, any>;
      edit(c);
      await fs.writeFile(path.join(d, 'config.json'), JSON.stringify(c));
    }
    await extra?.(d);
    e.push({ name: `exports/${name}`, door: 'openCheckpoint', problem });
  };
  await exportVariant('passwd', (c) => (c.weights = '../../../../etc/passwd'), /"weights" must be a file name inside the export folder/);
  await exportVariant('dev-zero', (c) => (c.weights = '../../dev/zero'), /"weights" must be a file name inside the export folder/);
  await exportVariant('link-out', (c) => (c.weights = 'w.safetensors'), /link to a file outside the export folder/, (d) => fs.symlink(good, path.join(d, 'w.safetensors')));
  await exportVariant('depth-1e7', (c) => Object.assign(c.quantizer, { kind: 'rvq', depth: 1e7 }), /quantizer\.depth must be an integer in 1\.\.64/);
  await exportVariant('k-1e9', (c) => (c.quantizer.codebook_size = 1e9), /quantizer\.codebookSize must be an integer in 2\.\.1048576/);
  await exportVariant('k-mismatch', (c) => (c.quantizer.codebook_size = 32), /does not match/);
  await exportVariant('bad-json', null, /not valid JSON/, (d) => fs.writeFile(path.join(d, 'config.json'), '{"format": "tokenscope-tok'));
  await exportVariant('no-config', null, /config\.json: cannot read \(no such file/, (d) => fs.rm(path.join(d, 'config.json')));
  await exportVariant('truncated-weights', null, /model\.safetensors/, async (d) => {
    const w = await fs.readFile(path.join(d, 'model.safetensors'));
    await fs.writeFile(path.join(d, 'model.safetensors'), w.subarray(0, w.length - 64));
  });

  // ---- predictions (for the 32×32 procedural scene: 8×8 tokens, K = 16, 5 frames) -----------
  await put('pred/float.npy', encodeNpy(new Float32Array(3 * 64), [3, 8, 8]), 'importPredictions', /integer code ids/);
  await put('pred/5000-rollouts.npy', rawNpy(npyHeader('|u1', [5000, 1, 8, 8]), new Uint8Array(5000 * 64)), 'importPredictions', /holds 5000 rollouts; at most 256/);
  await put('pred/wrong-grid.npy', encodeNpy(new Int32Array(3 * 49), [3, 7, 7]), 'importPredictions', /does not fit the checkpoint's 8×8 token grid/);
  await put('pred/out-of-range.npy', encodeNpy(new Int32Array(3 * 64).fill(99), [3, 8, 8]), 'importPredictions', /outside the codebook's range/);
  await put('pred/too-many-frames.npy', encodeNpy(new Int32Array(9 * 64), [9, 8, 8]), 'importPredictions', /run past the sequence's 5 frames/);
  await put('pred/truncated.npy', encodeNpy(new Int32Array(3 * 64), [3, 8, 8]).subarray(0, 200), 'importPredictions', /truncated/);

  // ---- token files for decode --------------------------------------------------------------
  await put('tokens/float.npy', encodeNpy(new Float32Array(64).fill(0.5), [1, 8, 8]), 'decode', /token ids must be integers/);
  await put('tokens/huge-t.npy', rawNpy(npyHeader('|u1', [16384, 8, 8]), new Uint8Array(16384 * 64)), 'decode', /would decode to .* over the memory budget/);
  await put('tokens/wrong-rank.npy', encodeNpy(new Int32Array(64), [8, 8]), 'decode', /tokens must be \[T, h, w\]/);
  await put('tokens/out-of-range.npy', encodeNpy(new Int32Array(64).fill(-3), [1, 8, 8]), 'decode', /outside the codebook/);

  // ---- what is not a regular file ----------------------------------------------------------
  await fs.mkdir(path.join(dir, 'special'), { recursive: true });
  const link = async (name: string, target: string, door: Door, problem: RegExp) => {
    await fs.symlink(target, path.join(dir, name));
    e.push({ name, door, problem });
  };
  await link('special/loop-a.npy', 'loop-b.npy', 'openPath', /symlink loop/);
  await fs.symlink('loop-a.npy', path.join(dir, 'special/loop-b.npy'));
  if (existsSync('/dev/zero')) {
    await link('special/zero.npy', '/dev/zero', 'openPath', /is a device/);
    await link('special/zero.ckpt', '/dev/zero', 'openCheckpoint', /is a device/);
  }
  if (existsSync('/usr/bin/mkfifo')) {
    for (const [name, door] of [['special/fifo.npy', 'openPath'], ['special/fifo.bin', 'openPath'], ['special/fifo.ckpt', 'openCheckpoint'], ['special/fifo-pred.npy', 'importPredictions']] as const) {
      execFileSync('/usr/bin/mkfifo', [path.join(dir, name)]);
      e.push({ name, door, problem: /named pipe \(FIFO\)/ });
    }
  }
  const badNames = path.join(dir, 'special', 'bad-names');
  await fs.mkdir(badNames, { recursive: true });
  await fs.writeFile(Buffer.concat([Buffer.from(badNames + '/fr'), Buffer.from([0xff, 0xfe]), Buffer.from('me.npy')]), encodeNpy(new Float32Array(4), [2, 2]));
  e.push({ name: 'special/bad-names', door: 'openPath', problem: /not valid UTF-8 \("fr\\xff\\xfeme\.npy"\)/ });
  return e;
}
