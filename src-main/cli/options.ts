import { InvalidArgumentError } from 'commander';

/** Option parsers that refuse bad values with commander's own one-line error. */
export function intOption(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer in ${min}..${max}.`);
    }
    return n;
  };
}

export function floatOption(min: number, max = Number.POSITIVE_INFINITY) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a number in ${min}..${max}.`);
    }
    return n;
  };
}

export function intListOption(value: string): number[] {
  const parts = value.split(/[,x×\s]+/).filter(Boolean);
  const out = parts.map(Number);
  if (!out.length || out.some((n) => !Number.isInteger(n) || n < 2)) {
    throw new InvalidArgumentError('expected integers ≥ 2 separated by commas, e.g. 8,5,5,5.');
  }
  return out;
}
