import type { Command } from 'commander';
import { action } from './errors';

/** `tokenscope backends`: every compute backend, usable or not and why, and the GPU adapter WebGPU found. */
export function registerBackends(program: Command): void {
  program
    .command('backends')
    .description('list the compute backends: usable or not and why, and the GPU adapter (vendor, architecture, software or hardware)')
    .option('--json', 'print the list as JSON')
    .action(
      action('backends', async (o: { json?: boolean }) => {
        const { listBackends } = await import('../engine/backend/list-backends');
        const { adapterLabel } = await import('../engine/backend/gpu-adapter');
        const list = await listBackends();
        if (o.json) {
          process.stdout.write(JSON.stringify(list, null, 2) + '\n');
          return;
        }
        const width = Math.max(...list.map((b) => b.name.length));
        for (const b of list) {
          if (b.role === 'encode') continue;
          const state = b.usable ? (b.automatic ? 'usable' : 'usable when asked for (--backend)') : 'not usable';
          const adapter = b.adapter ? ` · adapter: ${adapterLabel(b.adapter)}` : '';
          process.stdout.write(`${b.name.padEnd(width)}  ${state}: ${b.detail}${adapter}\n`);
        }
        const first = list.find((b) => b.usable && b.automatic);
        process.stdout.write(`default: ${first?.name ?? 'none'}\n`);
        for (const b of list.filter((x) => x.role === 'encode')) {
          process.stdout.write(`encode engine ${b.name}: ${b.usable ? 'usable' : 'not usable'}: ${b.detail}\n`);
        }
      }),
    );
}
