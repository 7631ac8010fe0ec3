/**
 * The inverse of occupancy-bev.ts's height-folded layout for class ids: per-height class maps
 * in the BEV image layout `[T, Z, rows = Y, cols = X]` (row r holds y = Y − 1 − r) back to the
 * source's own voxel layout `[T, X, Y, Z]`, as Occ3D's `semantics` and OccWorld index them.
 */
export function classMapsToVoxels(maps: Uint8Array, frames: number, heights: number, rows: number, cols: number): Uint8Array {
  const n = frames * heights * rows * cols;
  if (maps.length !== n) throw new Error(`classMapsToVoxels: ${maps.length} values for [${frames}, ${heights}, ${rows}, ${cols}]`);
  const [X, Y, Z] = [cols, rows, heights];
  const out = new Uint8Array(n);
  for (let t = 0; t < frames; t++) {
    const src = t * Z * Y * X;
    for (let z = 0; z < Z; z++) {
      for (let r = 0; r < Y; r++) {
        const y = Y - 1 - r;
        const row = src + (z * Y + r) * X;
        for (let x = 0; x < X; x++) out[src + (x * Y + y) * Z + z] = maps[row + x]!;
      }
    }
  }
  return out;
}
