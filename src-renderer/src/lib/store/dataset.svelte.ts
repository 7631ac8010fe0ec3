/**
 * What the renderer knows about an open dataset (Occ3D scenes): the scene listing for the picker,
 * the visibility mask chosen for the overlay and the metrics, the scene-wide evaluation, and the
 * whole-dataset token export job. Kept apart from the app store; it reads the app's source.
 */
import type { DatasetExportSummary, FrameData, SceneEvaluation, SceneListing, VisibilityMask } from '../../../../src-main/contract/index';
import type { RgbaImage } from '../logic/colormap';
import { dimUnobserved } from '../logic/visibility';
import { app } from './app.svelte';

export const SPLIT_PREFIX = 'split:';

export class DatasetStore {
  listing = $state.raw<SceneListing | null>(null);
  /** Which voxels the overlay marks and the metrics count (Occ3D's benchmark uses the camera mask). */
  mask = $state<VisibilityMask>('camera');
  overlay = $state(true);
  sceneEval = $state.raw<SceneEvaluation | null>(null);
  evaluating = $state(false);
  exportDir = $state('');
  exportSplit = $state('');
  exporting = $state(false);
  exportResult = $state.raw<DatasetExportSummary | null>(null);
  private listedFor = '';

  /** Lists the scenes when the open source is a dataset (once per dataset); clears otherwise. */
  async refresh(): Promise<void> {
    const src = app.source;
    const key = src?.dataset ? `${src.path}` : '';
    if (key === this.listedFor) return;
    this.listedFor = key;
    this.sceneEval = null;
    this.listing = key ? await app.run((c) => c.listScenes()) : null;
  }

  /** A scene name, or `split:<name>` for a whole split. */
  async open(choice: string): Promise<void> {
    this.sceneEval = null;
    const root = this.listing?.root;
    if (choice.startsWith(SPLIT_PREFIX) && root) await app.openDataset(root, { split: choice.slice(SPLIT_PREFIX.length) });
    else await app.openScene(choice);
  }

  /**
   * Ego motion off or on: on, every frame is resampled into the ego frame of the frame shown now
   * (from the dataset's poses), so the static world stays put and token changes show what moves.
   */
  async setAligned(on: boolean): Promise<void> {
    const info = app.source?.dataset;
    const root = this.listing?.root;
    if (!info || !root || info.scenes) return;
    const frame = Math.max(0, app.sel.frame);
    await app.openDataset(root, on ? { scene: info.scene, alignTo: frame } : { scene: info.scene });
    if (on) await app.goto(frame);
  }

  async evaluate(): Promise<void> {
    this.evaluating = true;
    try {
      this.sceneEval = await app.run((c) => c.evaluateScene());
    } finally {
      this.evaluating = false;
    }
  }

  async exportTokens(): Promise<void> {
    const root = this.listing?.root;
    if (!root || !this.exportDir.trim()) return;
    this.exporting = true;
    this.exportResult = null;
    try {
      const opts = this.exportSplit ? { split: this.exportSplit } : {};
      this.exportResult = await app.run((c) => c.exportDatasetTokens(root, this.exportDir.trim(), opts));
      if (this.exportResult) app.toast(`${this.exportResult.scenes} scene(s) in ${this.exportResult.index}`, 'info');
    } finally {
      this.exporting = false;
    }
  }

  async cancelExport(): Promise<void> {
    await app.run((c) => c.cancelDatasetExport());
  }

  /** The image with the unobserved cells of the chosen mask dimmed, when the frame has that mask. */
  withOverlay(image: RgbaImage | null, frame: FrameData | null): RgbaImage | null {
    if (!image || !this.overlay || this.mask === 'none') return image;
    const vis = frame?.visibility?.[this.mask];
    return vis ? dimUnobserved(image, vis) : image;
  }
}

export const dataset = new DatasetStore();
