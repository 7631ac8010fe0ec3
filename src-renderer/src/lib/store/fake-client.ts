/**
 * A fake TokenScope service for the store's unit tests: an in-memory sequence whose tokens depend
 * on the weights' step (`advance()` plays a training run handing over new weights), every call
 * counted, replies delayed by a macrotask so ordering and supersession are exercised, and any
 * method a test did not expect failing loudly.
 */
import type {
  AppStatus,
  CodebookView,
  DecodedFrame,
  FrameData,
  ServiceEvents,
  SourceInfo,
  TokenFrame,
  TokenScopeClient,
  TrainProgress,
} from '../../../../src-main/contract/index';

export const FAKE_SOURCE: SourceInfo = {
  kind: 'procedural',
  path: 'procedural:1',
  name: 'fake scene',
  length: 6,
  channels: 2,
  height: 8,
  width: 8,
  channelNames: ['a', 'b'],
  encoding: { kind: 'continuous' },
} as SourceInfo;

export class FakeService {
  step = 0;
  version = 1;
  readonly calls: Record<string, number> = {};
  private readonly listeners = new Map<string, Set<(p: unknown) => void>>();
  source: SourceInfo = FAKE_SOURCE;
  /** Frames whose decoding fails (to test partial data). */
  failDecoded = new Set<number>();

  /** New weights, as a training run hands them over: tokens and metrics change with the step. */
  advance(steps: number): void {
    this.step += steps;
    this.version++;
    this.emit('status', this.statusNow());
  }

  statusNow(): AppStatus {
    return { backend: null, source: this.source, checkpoint: null, step: this.step, model: { version: this.version, step: this.step } } as AppStatus;
  }

  emit<K extends keyof ServiceEvents>(event: K, payload: ServiceEvents[K]): void {
    for (const l of this.listeners.get(event) ?? []) l(payload);
  }

  private count(name: string): void {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
  }

  tokensOf(i: number): TokenFrame {
    const indices = new Int32Array(4);
    // Half the cells change from one frame to the next; the step shifts every id.
    for (let k = 0; k < 4; k++) indices[k] = (k < 2 ? i : 0) + this.step;
    return { index: i, indices, h: 2, w: 2, depth: 1, quantError: new Float32Array(4), step: this.step };
  }

  client(): TokenScopeClient {
    const later = <T>(f: () => T): Promise<T> => new Promise((resolve, reject) => setTimeout(() => {
      try {
        resolve(f());
      } catch (e) {
        reject(e as Error);
      }
    }, 0));
    const impl: Partial<TokenScopeClient> = {
      getStatus: () => later(() => this.statusNow()),
      openProcedural: () => later(() => this.source),
      getFrame: (i: number) => later((): FrameData => {
        this.count('getFrame');
        return { index: i, channels: 2, height: 8, width: 8, data: new Float32Array(64).fill(i) } as FrameData;
      }),
      getTokens: (i: number) => later(() => {
        this.count('getTokens');
        return this.tokensOf(i);
      }),
      getDecoded: (i: number) => later((): DecodedFrame => {
        this.count('getDecoded');
        if (this.failDecoded.has(i)) throw new Error(`getDecoded: frame ${i} cannot be decoded`);
        return { index: i, data: new Float32Array(64), error: new Float32Array(64), metrics: { mse: 1 / (1 + this.step) + i / 100 }, step: this.step };
      }),
      getCodebook: () => later((): CodebookView => {
        this.count('getCodebook');
        return { codes: new Float32Array([0, 0, 1, 1, 2, 2]), size: 3, dim: 2, usage: new Float32Array([1, 2, 0]), dead: [2], step: this.step };
      }),
      projectCodebook: (method: 'pca' | 'umap') => later(() => {
        this.count('projectCodebook');
        return { method, points: new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]) };
      }),
      codeOccurrences: (code: number) => later(() => {
        this.count('codeOccurrences');
        return [{ frame: code, row: 0, col: 0 }];
      }),
      codePrototype: () => later((): DecodedFrame => ({ index: -1, data: new Float32Array(4), error: new Float32Array(4), metrics: {} })),
      importPredictions: (path: string, opts?: { mode?: 'rollout' | 'one-step' | 'windows' }) => later(() => {
        this.count('importPredictions');
        return { source: path, rollouts: 1, frames: 4, horizon: 4, mode: opts?.mode ?? 'rollout', startFrame: 2, alignedBy: 'side file' as const };
      }),
      predictionHorizonAccuracy: () => later(() => ({ horizon: [1, 2, 3, 4], perRollout: [[0.9, 0.8, 0.7, 0.6]], mean: [0.9, 0.8, 0.7, 0.6], copyLast: [0.8, 0.6, 0.5, 0.4] })),
      getPrediction: (i: number, r = 0) => later(() => {
        this.count('getPrediction');
        const tokens = this.tokensOf(i);
        return { index: i, rollout: r, tokens, decoded: { index: i, data: new Float32Array(64), error: new Float32Array(64), metrics: {} }, disagreement: new Uint8Array(4), tokenAccuracy: 1 };
      }),
      recentCheckpoints: () => later(() => {
        this.count('recentCheckpoints');
        return [{ path: '/ck/b.ckpt', origin: 'opened' as const, step: 5 }, { path: '/run/step-9', origin: 'run' as const, step: 9 }];
      }),
      openComparison: (path: string) => later(() => {
        this.count('openComparison');
        return { path, step: 5, config: {}, sizeBytes: 1, codebookSize: 16, depth: 1, tokenGrid: [2, 2] } as unknown as import('../../../../src-main/contract/index').CheckpointInfo;
      }),
      startTraining: () => later(() => {
        this.count('startTraining');
      }),
      on: (<K extends keyof ServiceEvents>(event: K, listener: (p: ServiceEvents[K]) => void) => {
        const set = this.listeners.get(event) ?? new Set();
        set.add(listener as (p: unknown) => void);
        this.listeners.set(event, set);
        return () => set.delete(listener as (p: unknown) => void);
      }) as TokenScopeClient['on'],
      close: () => undefined,
    };
    return new Proxy(impl as TokenScopeClient, {
      get: (target, prop: string) => {
        const v = (target as unknown as Record<string, unknown>)[prop];
        if (v === undefined && prop !== 'then') return () => Promise.reject(new Error(`fake service: ${prop} not expected in this test`));
        return v;
      },
    });
  }

  progress(p: TrainProgress): void {
    this.emit('trainProgress', p);
  }
}

/** Resolves once every pending macrotask (the fake's replies) has run, `rounds` times over. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0));
}
