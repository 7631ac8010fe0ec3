import type { FrameSequence } from '../../data/frame';
import type { ProceduralOptions } from '../../data/procedural-scene';
import type { OpenOptions } from '../../data/open-path';
import type { DatasetIndex, DatasetScene } from '../../data/dataset-index';
import type { SceneOpenOptions } from '../../data/dataset-scene';

/**
 * How a worker finds its frames (a FrameSequence holds functions, so it cannot cross a thread):
 * the embedded procedural scene, a path the data layer opens, or frames sent along in memory.
 */
export type SourceSpec =
  | { kind: 'procedural'; options?: ProceduralOptions }
  | { kind: 'path'; path: string; options?: OpenOptions }
  /** One scene of an already indexed dataset: the worker reads its frames without re-indexing. */
  | { kind: 'dataset-scene'; dataset: Pick<DatasetIndex, 'kind' | 'root' | 'warnings'>; scene: DatasetScene; options?: SceneOpenOptions }
  | {
      kind: 'frames';
      name: string;
      channels: number;
      height: number;
      width: number;
      channelNames: string[];
      encoding: FrameSequence['encoding'];
      /** One `[C, H, W]` array per frame. */
      frames: Float32Array[];
    };

export async function openSource(spec: SourceSpec): Promise<FrameSequence> {
  switch (spec.kind) {
    case 'procedural': {
      const { createProceduralSequence } = await import('../../data/procedural-scene');
      return createProceduralSequence(spec.options);
    }
    case 'path': {
      const { openPath } = await import('../../data/open-path');
      return openPath(spec.path, spec.options);
    }
    case 'dataset-scene': {
      const { openDatasetScene } = await import('../../data/dataset-scene');
      return openDatasetScene(spec.dataset, spec.scene, spec.options);
    }
    case 'frames': {
      const size = spec.channels * spec.height * spec.width;
      spec.frames.forEach((f, i) => {
        if (f.length !== size) throw new Error(`frames source "${spec.name}": frame ${i} has ${f.length} values, expected ${size}`);
      });
      return {
        name: spec.name,
        length: spec.frames.length,
        channels: spec.channels,
        height: spec.height,
        width: spec.width,
        channelNames: spec.channelNames,
        encoding: spec.encoding,
        async getFrame(index: number) {
          const data = spec.frames[index];
          if (!data) throw new RangeError(`frames source "${spec.name}": frame ${index} out of 0..${spec.frames.length - 1}`);
          return { data, channels: spec.channels, height: spec.height, width: spec.width, channelNames: spec.channelNames, encoding: spec.encoding, index, meta: {} };
        },
      };
    }
  }
}
