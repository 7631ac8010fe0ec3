import { DataError } from '../../data/errors';
import { readText } from '../../data/read-bytes';

/** A config.json is a few KB; anything near this is not one. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** Reads and parses a config.json, naming the file in every failure. */
export async function readConfigJson(cfgFile: string): Promise<unknown> {
  let text: string;
  try {
    text = await readText(cfgFile, MAX_CONFIG_BYTES);
  } catch (err) {
    throw new Error(`${cfgFile}: cannot read (${err instanceof DataError ? err.problem : (err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${cfgFile}: not valid JSON (${(err as Error).message})`);
  }
}
