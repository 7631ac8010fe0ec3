/**
 * Rigid transforms from nuScenes-style calibration (translation + quaternion w, x, y, z):
 * enough linear algebra for lidar → ego → global and for aligning a frame to a reference pose.
 */
import type { EgoPose } from './frame';

/** Row-major 3×3 rotation and a translation: p' = R·p + t. */
export interface RigidTransform {
  r: Float64Array;
  t: [number, number, number];
}

export function identityTransform(): RigidTransform {
  return { r: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), t: [0, 0, 0] };
}

/** Rotation matrix of a (normalised here) quaternion w, x, y, z. */
export function quaternionToMatrix(q: readonly [number, number, number, number] | readonly number[]): Float64Array {
  const n = Math.hypot(q[0]!, q[1]!, q[2]!, q[3]!);
  if (!(n > 0)) throw new RangeError(`quaternion ${JSON.stringify(q)} has no length`);
  const w = q[0]! / n;
  const x = q[1]! / n;
  const y = q[2]! / n;
  const z = q[3]! / n;
  return new Float64Array([
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  ]);
}

export function transformFromPose(p: EgoPose): RigidTransform {
  return { r: quaternionToMatrix(p.rotationWxyz), t: [...p.translation] };
}

/** a ∘ b: first b, then a. */
export function compose(a: RigidTransform, b: RigidTransform): RigidTransform {
  const r = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      r[i * 3 + j] = a.r[i * 3]! * b.r[j]! + a.r[i * 3 + 1]! * b.r[3 + j]! + a.r[i * 3 + 2]! * b.r[6 + j]!;
    }
  }
  const t = apply(a, b.t);
  return { r, t };
}

export function invert(a: RigidTransform): RigidTransform {
  const r = new Float64Array([a.r[0]!, a.r[3]!, a.r[6]!, a.r[1]!, a.r[4]!, a.r[7]!, a.r[2]!, a.r[5]!, a.r[8]!]);
  const [x, y, z] = a.t;
  return {
    r,
    t: [-(r[0]! * x + r[1]! * y + r[2]! * z), -(r[3]! * x + r[4]! * y + r[5]! * z), -(r[6]! * x + r[7]! * y + r[8]! * z)],
  };
}

export function apply(a: RigidTransform, p: readonly number[]): [number, number, number] {
  const [x, y, z] = p as [number, number, number];
  return [
    a.r[0]! * x + a.r[1]! * y + a.r[2]! * z + a.t[0],
    a.r[3]! * x + a.r[4]! * y + a.r[5]! * z + a.t[1],
    a.r[6]! * x + a.r[7]! * y + a.r[8]! * z + a.t[2],
  ];
}

/** The transform taking points in the ego frame at `pose` to the ego frame at `reference`. */
export function egoToReference(pose: EgoPose, reference: EgoPose): RigidTransform {
  return compose(invert(transformFromPose(reference)), transformFromPose(pose));
}

/** Heading about z (radians) of a rotation matrix, for 2D BEV warps. */
export function yawOf(r: Float64Array): number {
  return Math.atan2(r[3]!, r[0]!);
}
