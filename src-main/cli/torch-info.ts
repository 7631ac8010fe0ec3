import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { formatBytes } from './open-workspace';

/**
 * `tokenscope info model.pth`: what a PyTorch checkpoint holds (tensors, parameters, epoch …)
 * and, when its config.json is beside it or given, whether the weights fit that architecture.
 * Reads no tensor data and needs no backend.
 */
export async function printTorchInfo(file: string, o: { json?: boolean; config?: string }): Promise<void> {
  const { readTorchCheckpoint } = await import('../engine/checkpoint/torch/index');
  const { readModelConfig } = await import('../engine/checkpoint/export');
  const cfgFile = o.config ? path.resolve(o.config) : path.join(path.dirname(file), 'config.json');
  const haveConfig = o.config !== undefined || existsSync(cfgFile);
  const model = haveConfig ? await readModelConfig(cfgFile) : null;
  const ck = await readTorchCheckpoint(file);
  try {
    const tensors: Record<string, { dtype: string; shape: number[] }> = {};
    const dtypes = new Map<string, number>();
    let parameters = 0;
    for (const [name, t] of ck.stateDict) {
      tensors[name] = { dtype: t.dtype, shape: t.shape };
      parameters += t.shape.reduce((a, b) => a * b, 1);
      dtypes.set(t.dtype, (dtypes.get(t.dtype) ?? 0) + 1);
    }
    const shapes = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.shape]));
    const problems = model ? model.arch.checkWeights(model.parsed, shapes) : [];
    const sizeBytes = (await fs.stat(file)).size;
    if (o.json) {
      const out = { path: file, format: 'pytorch', sizeBytes, parameters, tensors, extra: ck.extra, config: model ? { file: cfgFile, architecture: model.arch.id, json: model.parsed.json } : null, problems };
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    } else {
      const scalars = Object.entries(ck.extra).filter(([, v]) => v === null || ['number', 'string', 'boolean'].includes(typeof v));
      const others = Object.keys(ck.extra).filter((k) => !scalars.some(([s]) => s === k));
      const lines = [
        `checkpoint  ${file} (PyTorch)`,
        `size        ${formatBytes(sizeBytes)}`,
        `tensors     ${ck.stateDict.size} (${[...dtypes].map(([d, n]) => `${n} ${d}`).join(', ') || 'none'}), ${parameters.toLocaleString('en-US')} values`,
      ];
      if (scalars.length || others.length) lines.push(`also saved  ${[...scalars.map(([k, v]) => `${k} ${String(v)}`), ...others].join(', ')}`);
      if (model) {
        const c = model.parsed.config;
        lines.push(`config      ${cfgFile} (${model.arch.id})`);
        lines.push(`model       in ${c.model.inChannels} → hidden ${c.model.hidden} → latent ${c.model.latentDim}, ${c.model.stages} stages`);
        lines.push(`quantizer   ${c.quantizer.kind}${c.quantizer.codebookSize ? `, codebook ${c.quantizer.codebookSize}` : ''}`);
        lines.push(`weights     ${problems.length ? `do NOT match the config:\n  ${problems.join('\n  ')}` : 'match the config'}`);
      } else {
        lines.push(`config      none beside it: give --config <config.json> to open it as a tokenizer`);
      }
      process.stdout.write(lines.join('\n') + '\n');
    }
    if (problems.length) process.exitCode = 1;
  } finally {
    await ck.close();
  }
}
