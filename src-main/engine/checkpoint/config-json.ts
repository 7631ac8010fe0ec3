import { promises as fs } from 'node:fs';

/** Reads and parses a config.json, naming the file in every failure. */
export async function readConfigJson(cfgFile: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(cfgFile, 'utf8');
  } catch (err) {
    throw new Error(`${cfgFile}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${cfgFile}: not valid JSON (${(err as Error).message})`);
  }
}
