import * as path from 'node:path';

/** `--config`: the config.json of a PyTorch .pth whose architecture is not described beside it. */
export const CONFIG_HELP = 'config.json describing a PyTorch .pth checkpoint (default: config.json beside it)';

export function configOption(o: { config?: string }): { config: string } | undefined {
  return o.config ? { config: path.resolve(o.config) } : undefined;
}
