/**
 * Zip bombs and damaged archives (issue 12, findings 3 and 5): made here with fflate, then
 * patched the way a hostile or broken writer would leave them.
 */
import { zipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { MEMORY_BUDGET_ENV, setMemoryBudget } from './memory-budget';
import { encodeNpy } from './npy';
import { listNpzMembers, parseNpz } from './npz';
import { readZipDirectory } from './zip-archive';

const saved = process.env[MEMORY_BUDGET_ENV];
afterEach(() => {
  if (saved === undefined) delete process.env[MEMORY_BUDGET_ENV];
  else process.env[MEMORY_BUDGET_ENV] = saved;
});

/** Offsets of every record with this signature (local 0x04034b50, central 0x02014b50). */
function records(zip: Uint8Array, sig: number): number[] {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= zip.length; i++) if (v.getUint32(i, true) === sig) out.push(i);
  return out;
}

/** Rewrites the declared uncompressed size in both headers, as a bomb's author would. */
function lieAboutSize(zip: Uint8Array, size: number): Uint8Array {
  const out = zip.slice();
  const v = new DataView(out.buffer);
  for (const at of records(out, 0x04034b50)) v.setUint32(at + 22, size, true);
  for (const at of records(out, 0x02014b50)) v.setUint32(at + 24, size, true);
  return out;
}

/** An .npz of one float32 array of zeros: compresses about 1000:1. */
function zerosNpz(mb: number): Uint8Array {
  const n = (mb * 1024 * 1024) / 4;
  return zipSync({ 'semantics.npy': encodeNpy(new Float32Array(n), [n]) }, { level: 9 });
}

describe('npz: memory budget and zip bombs', () => {
  it('refuses a member whose declared size is over the budget, before inflating it', () => {
    const zip = zerosNpz(48);
    expect(zip.length).toBeLessThan(1024 * 1024);
    setMemoryBudget('16MB');
    const before = process.memoryUsage().rss;
    expect(() => parseNpz(zip, 'bomb.npz')).toThrow(/bomb\.npz\[semantics\]: member 'semantics' \(50331776 bytes declared uncompressed\) would need 96\.0 MiB, over the memory budget of 16\.0 MiB/);
    expect(process.memoryUsage().rss - before).toBeLessThan(32 * 1024 * 1024);
  });

  it('stops a member that inflates past the size it declares (the lying bomb)', () => {
    const zip = lieAboutSize(zerosNpz(48), 4096);
    setMemoryBudget('16MB');
    const before = process.memoryUsage().rss;
    expect(() => parseNpz(zip, 'liar.npz')).toThrow(/liar\.npz\[semantics\.npy\]: inflates past its declared size of 4096 bytes: a zip bomb/);
    expect(process.memoryUsage().rss - before).toBeLessThan(32 * 1024 * 1024);
  });

  it('still reads an honest archive within the budget', () => {
    const zip = zipSync({ 'a.npy': encodeNpy(Float32Array.of(1, 2, 3), [3]), 'b.npy': encodeNpy(Int32Array.of(7), [1]) });
    expect(listNpzMembers(zip, 'ok.npz')).toEqual(['a', 'b']);
    const arrays = parseNpz(zip, 'ok.npz', ['b']);
    expect(Object.keys(arrays)).toEqual(['b']);
    expect(Array.from(arrays.b!.data as Int32Array)).toEqual([7]);
  });
});

describe('npz: damaged archives give one clear, printable error', () => {
  const good = () => zipSync({ 'semantics.npy': encodeNpy(new Uint8Array(8), [2, 2, 2]) }, { level: 0 });

  it('a garbled name in the central directory is called damaged, with the bytes escaped', () => {
    const zip = good();
    const cd = records(zip, 0x02014b50)[0]!;
    zip.set([0x1b, 0x5b, 0x32, 0x4a, 0xff, 0x00], cd + 46); // ESC[2J (clear screen), 0xff, NUL
    let message = '';
    try {
      listNpzMembers(zip, 'garbled.npz');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^garbled\.npz: not a readable \.npz \(zip\) archive: central directory entry 0 has a garbled name \("\\x1b\[2J\\xff\\x00/);
    // eslint-disable-next-line no-control-regex
    expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('a central directory that disagrees with the local header is damaged', () => {
    const zip = good();
    const local = records(zip, 0x04034b50)[0]!;
    zip[local + 30] = 'x'.charCodeAt(0);
    expect(() => readZipDirectory(zip, 'mismatch.npz')).toThrow(/mismatch\.npz: .*member "semantics\.npy": its local header names a different file/);
  });

  it('a central directory claiming a million members is refused without looping over them', () => {
    const zip = good();
    const v = new DataView(zip.buffer);
    const eocd = records(zip, 0x06054b50)[0]!;
    v.setUint16(eocd + 10, 0xfffe, true);
    expect(() => readZipDirectory(zip, 'count.npz')).toThrow(/count\.npz: .*too small for 65534 members/);
  });

  it('truncation, a flipped data byte and a missing end record each say so', () => {
    const zip = good();
    expect(() => readZipDirectory(zip.subarray(0, zip.length - 30), 'cut.npz')).toThrow(/cut\.npz: .*no end-of-central-directory record/);
    const flipped = zip.slice();
    const local = records(flipped, 0x04034b50)[0]!;
    flipped[local + 30 + 'semantics.npy'.length + 100] ^= 0xff;
    expect(() => parseNpz(flipped, 'flip.npz')).toThrow(/flip\.npz\[semantics\.npy\]: CRC mismatch/);
  });
});
