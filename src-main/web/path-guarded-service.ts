import { SERVICE_METHODS } from '../contract/index';
import type { ServiceMethod, TokenScopeService } from '../contract/index';
import type { PathPolicy } from './path-policy';

/**
 * The service as the browser mode exposes it: every method that takes a path has it checked by
 * the path policy first, and is called with the checked (absolute, links resolved) path.
 */
/** `read-then-write-dir`: a path read, then a folder written (exportDatasetTokens(dataset, dir)). */
type PathUse = 'read' | 'write-file' | 'write-dir' | 'read-then-write-dir' | null;

/**
 * How each contract method uses its first argument. Typed over every method, so that a method
 * added to the contract does not compile until someone says whether it takes a path.
 */
const PATH_USE = {
  getStatus: null,
  openProcedural: null,
  openPath: 'read',
  getFrame: null,
  startTraining: null,
  pauseTraining: null,
  resumeTraining: null,
  stopTraining: null,
  defaultTrainConfig: null,
  saveCheckpoint: 'write-file',
  openCheckpoint: 'read',
  exportCheckpoint: 'write-dir',
  getTokens: null,
  getTokenLevel: null,
  getTokenAttention: null,
  getDecoded: null,
  getCodebook: null,
  projectCodebook: null,
  codeOccurrences: null,
  codePrototype: null,
  importPredictions: 'read',
  trainBaselinePredictor: null,
  getPrediction: null,
  predictionHorizonAccuracy: null,
  pausePredictor: null,
  resumePredictor: null,
  stopPredictor: null,
  exportTrainKit: 'write-dir',
  followRun: 'read',
  setRunFollow: null,
  getRun: null,
  stopFollowingRun: null,
  openComparison: 'read',
  getComparison: null,
  closeComparison: null,
  recentCheckpoints: null,
  readTrainingHistory: 'read',
  listScenes: null,
  openScene: null,
  exportDatasetTokens: 'read-then-write-dir',
  cancelDatasetExport: null,
  evaluateScene: null,
} as const satisfies Record<ServiceMethod, PathUse>;

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

export function withPathPolicy(service: TokenScopeService, policy: PathPolicy): TokenScopeService {
  const guarded: Record<string, AnyMethod> = {};
  for (const method of SERVICE_METHODS) {
    const fn = service[method] as AnyMethod | undefined;
    // A partial service (tests, a stub) forwards only what it has.
    if (typeof fn !== 'function') continue;
    const call = fn.bind(service);
    const use: PathUse = PATH_USE[method];
    if (!use) {
      guarded[method] = call;
      continue;
    }
    guarded[method] = async (first: unknown, ...rest: unknown[]) => {
      // saveCheckpoint() without a path writes into the output folder the server was started with.
      if (use === 'write-file' && (first === undefined || first === null)) return call(first, ...rest);
      if (use === 'read-then-write-dir') {
        const [second, ...more] = rest;
        return call(await policy.checkRead(method, first), await policy.checkWriteDir(method, second), ...more);
      }
      const checked =
        use === 'read'
          ? await policy.checkRead(method, first)
          : use === 'write-file'
            ? await policy.checkWriteFile(method, first)
            : await policy.checkWriteDir(method, first);
      return call(checked, ...rest);
    };
  }
  return guarded as unknown as TokenScopeService;
}
