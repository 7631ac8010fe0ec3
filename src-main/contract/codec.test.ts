import { describe, expect, it } from 'vitest';
import { CodecError, decodeMessage, encodeMessage } from './codec';

describe('message codec', () => {
  it('round-trips nested typed arrays of every kind with their values and types', () => {
    const value = {
      index: 3,
      frame: { data: new Float32Array([1.5, -2, 3.25]), labels: new Uint8Array([0, 17, 4]) },
      tokens: [new Int32Array([7, -1, 65535]), new Float64Array([Math.PI])],
      big: new BigInt64Array([1n, -2n]),
      name: 'ünïcode ✓',
      flags: [true, false, null],
    };
    const back = decodeMessage(encodeMessage(value)) as typeof value;
    expect(back.frame.data).toBeInstanceOf(Float32Array);
    expect(Array.from(back.frame.data)).toEqual([1.5, -2, 3.25]);
    expect(back.frame.labels).toBeInstanceOf(Uint8Array);
    expect(Array.from(back.frame.labels)).toEqual([0, 17, 4]);
    expect(back.tokens[0]).toBeInstanceOf(Int32Array);
    expect(Array.from(back.tokens[0]!)).toEqual([7, -1, 65535]);
    expect(back.tokens[1]![0]).toBe(Math.PI);
    expect(Array.from(back.big)).toEqual([1n, -2n]);
    expect(back.name).toBe(value.name);
    expect(back.flags).toEqual([true, false, null]);
    expect(back.index).toBe(3);
  });

  it('sends array bytes raw: a 1 MB Float32Array costs about 1 MB, not a JSON or base64 expansion', () => {
    const data = new Float32Array(262_144).map((_, i) => Math.sin(i));
    const bytes = encodeMessage({ data });
    expect(bytes.byteLength).toBeLessThan(data.byteLength + 200);
    const back = decodeMessage(bytes) as { data: Float32Array };
    let differing = 0;
    for (let i = 0; i < data.length; i++) if (back.data[i] !== data[i]) differing++;
    expect(back.data.length).toBe(data.length);
    expect(differing).toBe(0);
  });

  it('keeps a sub-view (offset into a bigger buffer) as just its own elements', () => {
    const big = new Float32Array([9, 8, 7, 6, 5]);
    const sub = big.subarray(1, 3);
    const back = decodeMessage(encodeMessage({ sub })) as { sub: Float32Array };
    expect(Array.from(back.sub)).toEqual([8, 7]);
  });

  it('decodes a message that sits at an odd offset inside a larger buffer (copying misaligned arrays)', () => {
    const bytes = encodeMessage({ a: new Float64Array([1, 2]), b: new Int32Array([3]) });
    const pool = new Uint8Array(bytes.byteLength + 3);
    pool.set(bytes, 3);
    const back = decodeMessage(pool.subarray(3)) as { a: Float64Array; b: Int32Array };
    expect(Array.from(back.a)).toEqual([1, 2]);
    expect(Array.from(back.b)).toEqual([3]);
  });

  it('carries NaN and infinities, which JSON would turn into null', () => {
    const back = decodeMessage(encodeMessage({ m: [NaN, Infinity, -Infinity, 0] })) as { m: number[] };
    expect(back.m[0]).toBeNaN();
    expect(back.m.slice(1)).toEqual([Infinity, -Infinity, 0]);
  });

  it('gives back plain objects that use the codec’s own tag names unchanged', () => {
    const tricky = { __ta__: 'Float32Array', b: 0, inner: { __num__: 'NaN' } };
    expect(decodeMessage(encodeMessage(tricky))).toEqual(tricky);
  });

  it('drops undefined object members and turns undefined array items into null, as JSON does', () => {
    expect(decodeMessage(encodeMessage({ a: undefined, b: [undefined, 1] }))).toEqual({ b: [null, 1] });
    expect(decodeMessage(encodeMessage(undefined))).toBeNull();
  });

  it('refuses bad input with one clear error each', () => {
    expect(() => decodeMessage(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/bad magic/);
    const ok = encodeMessage({ x: new Float32Array([1, 2, 3, 4]) });
    expect(() => decodeMessage(ok.subarray(0, 12))).toThrow(/truncated/);
    expect(() => decodeMessage(ok.subarray(0, ok.byteLength - 4))).toThrow(/runs past the message's end/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeMessage(cyclic)).toThrow(CodecError);
    expect(() => encodeMessage({ v: new DataView(new ArrayBuffer(4)) })).toThrow(/DataView cannot be sent/);
  });
});
