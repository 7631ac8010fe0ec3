/**
 * The one convention every BEV builder shares (lidar, occupancy, procedural), so frames from
 * different sources line up and ego-motion alignment has one formula: the grid is centred on
 * the ego (unless ranges say otherwise), columns follow ego x (forward) increasing, rows follow
 * ego y decreasing (row 0 is the far left). A picture of a frame therefore shows the car
 * driving to the right with its left side at the top.
 */
export interface BevGrid {
  /** Ego-frame extent in metres along x (columns) and y (rows), [min, max). */
  xRangeM: [number, number];
  yRangeM: [number, number];
  cellSizeM: number;
}

export const BEV_CONVENTION = 'column = ego x (forward) increasing; row 0 = largest ego y (left)';

export function centredGrid(size: number, cellSizeM: number): BevGrid {
  const half = (size * cellSizeM) / 2;
  return { xRangeM: [-half, half], yRangeM: [-half, half], cellSizeM };
}

/** Rows and columns of a grid; ranges must be whole multiples of the cell size (checked). */
export function gridShape(g: BevGrid): { height: number; width: number } {
  const width = Math.round((g.xRangeM[1] - g.xRangeM[0]) / g.cellSizeM);
  const height = Math.round((g.yRangeM[1] - g.yRangeM[0]) / g.cellSizeM);
  if (!(g.cellSizeM > 0) || width < 1 || height < 1) {
    throw new RangeError(`BEV grid: x ${g.xRangeM.join('..')} m, y ${g.yRangeM.join('..')} m at ${g.cellSizeM} m cells has no cells`);
  }
  return { height, width };
}

/** The grid with its convention, for a frame's `meta.grid`. */
export function describeGrid(g: BevGrid): BevGrid & { convention: string } {
  return { xRangeM: [...g.xRangeM], yRangeM: [...g.yRangeM], cellSizeM: g.cellSizeM, convention: BEV_CONVENTION };
}
