/**
 * Streams a JSON file that is one list of objects (every nuScenes table) record by record, so
 * that a table larger than a JavaScript string (v1.0-trainval's sample_data.json is about a
 * gigabyte) is read in bounded memory: only the records the caller keeps stay alive.
 * Scanning bytes is safe for UTF-8: the bytes of `"`, `\`, `{`, `}`, `[`, `]` never occur inside
 * a multi-byte character.
 */
import { createReadStream } from 'node:fs';
import { DataError, isFsError } from '../errors';

/** A single record larger than this is refused (nuScenes records are a few hundred bytes). */
const MAX_RECORD_BYTES = 1 << 20;

const BATCH_BYTES = 1 << 20;
const OPEN = Buffer.from('[');
const SEP = Buffer.from(',');
const CLOSE = Buffer.from(']');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_LIST = 0x5b;
const CLOSE_LIST = 0x5d;
const COMMA = 0x2c;

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Calls `onRecord` for each object of the top-level list, in file order. */
export async function forEachJsonRecord(file: string, onRecord: (record: Record<string, unknown>, index: number) => void): Promise<number> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let state: 'start' | 'list' | 'done' = 'start';
  let depth = 0; // nesting inside the current record
  let inString = false;
  let escaped = false;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let count = 0;
  let offset = 0;
  const fail = (at: number, problem: string): never => {
    throw new DataError(file, `${problem} (at byte ${at}): expected a JSON list of objects, as the nuScenes tables are`);
  };
  // Finished records are parsed a batch at a time (one JSON.parse per ~1 MiB, not per record: 2-3× faster).
  let batch: Buffer[] = [];
  let batchBytes = 0;
  const flush = () => {
    if (batch.length === 0) return;
    const pieces: Buffer[] = [OPEN];
    batch.forEach((b, i) => pieces.push(...(i ? [SEP, b] : [b])));
    pieces.push(CLOSE);
    const first = count;
    let recs: unknown[];
    try {
      recs = JSON.parse(decoder.decode(Buffer.concat(pieces))) as unknown[];
    } catch (err) {
      throw new DataError(file, `records ${first}..${first + batch.length - 1} are not valid JSON: ${(err as Error).message}`);
    }
    batch = [];
    batchBytes = 0;
    for (const rec of recs) {
      if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) throw new DataError(file, `record ${count} is not an object`);
      onRecord(rec as Record<string, unknown>, count++);
    }
  };
  const finishRecord = () => {
    const bytes = parts.length === 1 ? Buffer.from(parts[0]!) : Buffer.concat(parts, partBytes);
    parts = [];
    partBytes = 0;
    batch.push(bytes);
    batchBytes += bytes.length;
    if (batchBytes >= BATCH_BYTES) flush();
  };
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      let recordStart = depth > 0 ? 0 : -1;
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i]!;
        if (depth > 0) {
          if (inString) {
            if (escaped) escaped = false;
            else if (b === BACKSLASH) escaped = true;
            else if (b === QUOTE) inString = false;
          } else if (b === QUOTE) inString = true;
          else if (b === OPEN_OBJ || b === OPEN_LIST) depth++;
          else if (b === CLOSE_OBJ || b === CLOSE_LIST) {
            if (--depth === 0) {
              const piece = chunk.subarray(recordStart, i + 1);
              parts.push(piece);
              partBytes += piece.length;
              recordStart = -1;
              finishRecord();
            }
          }
          continue;
        }
        if (isSpace(b)) continue;
        if (state === 'start') {
          if (b !== OPEN_LIST) fail(offset + i, 'does not start with [');
          state = 'list';
        } else if (state === 'list') {
          if (b === OPEN_OBJ) {
            depth = 1;
            recordStart = i;
          } else if (b === CLOSE_LIST) state = 'done';
          else if (b !== COMMA) fail(offset + i, `unexpected '${String.fromCharCode(b)}' between records`);
        } else fail(offset + i, 'text after the closing ]');
      }
      if (depth > 0 && recordStart >= 0) {
        const piece = chunk.subarray(recordStart);
        parts.push(piece);
        partBytes += piece.length;
        if (partBytes > MAX_RECORD_BYTES) fail(offset, `record ${count + batch.length} is larger than ${MAX_RECORD_BYTES} bytes`);
      }
      offset += chunk.length;
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    if (isFsError(err, 'ENOENT')) throw new DataError(file, 'no such file');
    throw new DataError(file, `cannot read: ${(err as Error).message}`);
  }
  flush();
  if (state !== 'done') fail(offset, depth > 0 ? `ends inside record ${count}` : 'ends before the closing ]');
  return count;
}
