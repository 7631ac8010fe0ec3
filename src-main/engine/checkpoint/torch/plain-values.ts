import { isStorageRef, isTensorView, PyDict, PySet, PyTuple, type PickleValue } from './pickle-values';

/**
 * A checkpoint's other entries (epoch, optimizer state, config…) as plain JSON-like values for
 * display: tensors become `{ tensor: dtype, shape }` descriptions (never read), cycles and
 * excessive depth are cut, so that a hostile pickle cannot make this walk run away.
 */

const MAX_DEPTH = 32;
const MAX_ITEMS = 100_000;

export function toPlain(v: PickleValue): unknown {
  let budget = MAX_ITEMS;
  const seen = new Set<object>();
  const walk = (x: PickleValue, depth: number): unknown => {
    if (--budget < 0) return '…';
    if (x === null || typeof x === 'boolean' || typeof x === 'string') return x;
    if (typeof x === 'number') return x;
    if (typeof x === 'bigint') return x.toString();
    if (x instanceof Uint8Array) return `<${x.length} bytes>`;
    if (isTensorView(x)) return { tensor: x.storage.dtype, shape: [...x.shape] };
    if (isStorageRef(x)) return { storage: x.dtype, numel: x.numel };
    if (depth >= MAX_DEPTH) return '…';
    if (seen.has(x)) return '<cycle>';
    seen.add(x);
    try {
      if (Array.isArray(x)) return x.map((i) => walk(i, depth + 1));
      if (x instanceof PyTuple || x instanceof PySet) return x.items.map((i) => walk(i, depth + 1));
      if (x instanceof PyDict) {
        const out: Record<string, unknown> = {};
        for (const [k, val] of x.map) out[keyText(k)] = walk(val, depth + 1);
        return out;
      }
      return `<${x.module}.${x.name}>`;
    } finally {
      seen.delete(x);
    }
  };
  return walk(v, 0);
}

export function keyText(k: PickleValue): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean' || k === null) return String(k);
  return `<${k instanceof PyTuple ? 'tuple' : 'key'}>`;
}
