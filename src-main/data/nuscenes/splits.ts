/**
 * The scene splits the nuScenes devkit defines (nuscenes/utils/splits.py), derived cheaply:
 * v1.0-trainval's 850 scenes are `val` when listed below and `train` otherwise, v1.0-test's are
 * all `test`, and v1.0-mini's ten have their own `mini_train` / `mini_val`. Ranges of scene
 * numbers, inclusive.
 */
const VAL: [number, number][] = [
  [3, 3], [12, 18], [35, 36], [38, 39], [92, 110], [221, 221], [268, 278], [329, 332], [344, 346],
  [519, 524], [552, 565], [625, 627], [629, 630], [632, 638], [770, 771], [775, 775], [777, 778],
  [780, 784], [794, 800], [802, 802], [904, 917], [919, 931], [962, 963], [966, 969], [971, 972],
  [1059, 1073],
];
const MINI_VAL = new Set(['scene-0103', 'scene-0916']);

function sceneNumber(name: string): number | undefined {
  const m = /^scene-(\d{4})$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** The devkit's split of a scene of a dataset version, or undefined when the version has none. */
export function nuScenesSplit(version: string, sceneName: string): string | undefined {
  if (version.endsWith('-test')) return 'test';
  if (version.endsWith('-mini')) return MINI_VAL.has(sceneName) ? 'mini_val' : 'mini_train';
  if (!version.endsWith('-trainval')) return undefined;
  const n = sceneNumber(sceneName);
  if (n === undefined) return undefined;
  return VAL.some(([a, b]) => n >= a && n <= b) ? 'val' : 'train';
}

/** How many scene numbers the val ranges hold (the devkit lists 150), for a test of the table. */
export const VAL_SCENE_COUNT = VAL.reduce((s, [a, b]) => s + b - a + 1, 0);
