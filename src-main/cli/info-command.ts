import type { Command } from 'commander';
import { windowLabel } from '../contract/metric-windows';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { action } from './errors';
import { formatBytes } from './open-workspace';
import { dynamicsInfoLine } from './codebook-dynamics-options';
import { occworldExportInfo, occworldModelLines } from './occworld-info';
import { objectivesInfoLines } from './objective-options';

/** `tokenscope info`: a checkpoint's (or export folder's) config, size and codebook health, without a backend. */
export function registerInfo(program: Command): void {
  program
    .command('info')
    .argument('<checkpoint>', 'checkpoint file, export folder or PyTorch .pth')
    .description("show a checkpoint's config, size and codebook health")
    .option('--json', 'print as JSON')
    .option('--config <file>', 'config.json of a PyTorch .pth (default: config.json beside it)')
    .action(
      action('info', async (target: string, o: { json?: boolean; config?: string }) => {
        const file = path.resolve(target);
        const stat = await fs.stat(file).catch(() => null);
        if (!stat) throw new Error(`${path.basename(file)}: no such checkpoint file or export folder`);
        if (stat.isDirectory()) {
          // The config alone says what the folder holds: no tensors, no backend needed.
          const { parseExportConfig } = await import('../engine/checkpoint/export-config');
          const cfgFile = path.join(file, 'config.json');
          const { readText } = await import('../data/read-bytes');
          // Through the safe reader: a config.json that is a FIFO or a link to /dev/zero must not hang `info`.
          const text = await readText(cfgFile, 4 * 1024 * 1024).catch((err: Error) => {
            if ((err as { problem?: string }).problem === 'no such file') {
              throw new Error(`${path.basename(file)}: not a checkpoint file nor an export folder (no config.json)`);
            }
            throw err;
          });
          let raw: unknown;
          try {
            raw = JSON.parse(text);
          } catch (err) {
            throw new Error(`${cfgFile}: not valid JSON (${(err as Error).message})`);
          }
          let size = 0;
          for (const name of await fs.readdir(file)) size += (await fs.stat(path.join(file, name))).size;
          const { isOccWorldExportJson } = await import('../engine/occworld/occworld-export');
          if (isOccWorldExportJson(raw)) {
            const info = occworldExportInfo(raw, cfgFile, file, formatBytes(size));
            process.stdout.write(o.json ? JSON.stringify(info.json, null, 2) + '\n' : info.lines.join('\n') + '\n');
            return;
          }
          const j = parseExportConfig(raw, cfgFile).json;
          if (o.json) {
            process.stdout.write(JSON.stringify(j, null, 2) + '\n');
            return;
          }
          const lines = [
            `export      ${file}`,
            `size        ${formatBytes(size)}`,
            `model       in ${j.model.in_channels} → hidden ${j.model.hidden} → latent ${j.model.latent_dim}, ${j.model.stages} stages (${j.downsample}× down), output ${j.model.output}`,
            `quantizer   ${j.quantizer.kind}${j.quantizer.levels ? ` levels [${j.quantizer.levels.join(', ')}]` : ''}, codebook ${j.quantizer.codebook_size}${j.quantizer.depth ? `, depth ${j.quantizer.depth}` : ''}, ${j.bits_per_token.toFixed(1)} bits/token`,
            `token grid  ${j.token_grid ? j.token_grid.join(' × ') : 'unknown'}`,
          ];
          process.stdout.write(lines.join('\n') + '\n');
          return;
        }
        const { isTorchCheckpointFile } = await import('../service/torch-checkpoint-open');
        if (await isTorchCheckpointFile(file)) return (await import('./torch-info')).printTorchInfo(file, o);
        const { checkpointInfo } = await import('../engine/checkpoint/checkpoint');
        const d = await checkpointInfo(file);
        if (o.json) {
          process.stdout.write(JSON.stringify(d, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n');
          return;
        }
        const c = d.config;
        const q = c.quantizer;
        const lines = [
          `checkpoint  ${d.path}`,
          `size        ${formatBytes(d.sizeBytes)}, saved ${d.savedAt}`,
          `step        ${d.step} of ${c.steps} (${d.metricsRecorded} metric records, optimiser ${d.optimizer ?? 'none'})`,
          ...(c.model.arch === 'occworld' && c.model.occworld
            ? occworldModelLines(c.model.occworld)
            : c.model.arch === 'hierarchical'
              ? [
                  `model       VQ-VAE-2 (hierarchical): in ${c.model.inChannels}, channel ${c.model.hidden}, embed ${c.model.latentDim}; top grid 8× down, bottom grid 4× down`,
                  `quantizer   vq, two codebooks (top, bottom) of ${d.codebookSize} codes`,
                  `top grid    ${d.tokenGrid.map((n) => Math.floor(n / 2)).join(' × ')}`,
                ]
              : [
                `model       in ${c.model.inChannels} → hidden ${c.model.hidden} → latent ${c.model.latentDim}, ${c.model.stages} stages (${2 ** c.model.stages}× down)`,
                `quantizer   ${q.kind}${q.levels ? ` levels [${q.levels.join(', ')}]` : ''}, codebook ${d.codebookSize}${d.depth > 1 ? `, depth ${d.depth}` : ''}`,
              ]),
          `token grid  ${d.tokenGrid.join(' × ')}`,
          `training    lr ${c.learningRate}, batch ${c.batchSize}, crop ${c.crop || 'whole frames'}, seed ${c.seed}`,
          ...objectivesInfoLines(q.objectives),
        ];
        const dynamics = dynamicsInfoLine(c);
        if (dynamics) lines.push(dynamics);
        if (d.health) {
          for (const h of d.health) {
            // The quantizer's own running counts, not the usage window train reports: not called "dead" here.
            const levelName = c.model.arch === 'hierarchical' ? (h.level === 0 ? 'top' : 'bottom') : String(h.level);
            const label = d.health.length > 1 ? `EMA counts ${levelName}` : 'EMA counts';
            lines.push(`${label.length >= 12 ? `${label} ` : label.padEnd(12)}${h.used} of ${h.size} codes with EMA count ≥ ${h.threshold}, ${h.dead} below`);
          }
        } else {
          lines.push('codebook    implicit (no EMA counts to judge health)');
        }
        const m = d.lastMetrics;
        if (m) {
          lines.push(`last step   loss ${m.loss.toFixed(4)}, recon ${m.reconLoss.toFixed(4)}${m.miou !== undefined ? `, mIoU ${m.miou.toFixed(3)}` : ''}`);
          // The same figures and window as train's last line and the app's training line.
          const w = windowLabel({ kind: 'batches', batches: m.healthBatches ?? m.healthWindow ?? 50, of: m.healthWindow ?? 50 });
          lines.push(`code usage  util ${(m.utilization * 100).toFixed(1)}%, perplexity ${m.perplexity.toFixed(1)}, dead ${m.deadCodes} (${w})`);
        }
        process.stdout.write(lines.join('\n') + '\n');
      }),
    );
}
