import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseOccWorldConfig } from '../engine/occworld/occworld-config';

/**
 * `tokenscope train --arch occworld [--occworld-config model.json] [--no-lovasz]`: the model
 * fields these options ask for. `occworldConfig` is the file's JSON text once read (the action
 * reads it first, so that a bad file fails before any data is opened).
 */
export function occworldModelOptions(o: { arch?: string; occworldConfig?: string; lovasz?: boolean }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (o.arch) out.arch = o.arch;
  if (o.occworldConfig) {
    out.arch = 'occworld';
    out.occworld = JSON.parse(o.occworldConfig) as unknown;
  }
  if (o.lovasz === false) out.occworldLoss = { ce: 10, lovasz: 0 };
  return out;
}

/** Reads and checks an OccWorld model dict file; returns its JSON text. Errors name the file. */
export async function readOccWorldConfigFile(file: string): Promise<string> {
  const abs = path.resolve(file);
  const text = await fs.readFile(abs, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`${abs}: cannot read (${err.code ?? err.message})`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${abs}: not valid JSON (${(err as Error).message})`);
  }
  return JSON.stringify(parseOccWorldConfig(json, abs));
}
