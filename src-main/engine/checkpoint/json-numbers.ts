/**
 * JSON that keeps NaN and ±Infinity (a diverged loss is history worth keeping): they are written
 * as `{"$num": "NaN"}` and read back as numbers; everything else is plain JSON.
 */

export function stringifyWithNonFinite(value: unknown, space?: number): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $num: String(v) } : v),
    space,
  );
}

export function parseWithNonFinite(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const n = (v as { $num?: unknown }).$num;
      if (keys.length === 1 && (n === 'NaN' || n === 'Infinity' || n === '-Infinity')) return Number(n);
    }
    return v;
  });
}
