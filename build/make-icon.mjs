// Writes build/icon.png (512×512): a dark tile with a 4×4 grid of token cells in the app's
// colours. Run `node build/make-icon.mjs`; electron-builder makes the .icns / .ico from it.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const S = 512;
const px = Buffer.alloc(S * S * 4);
const cells = [
  [0x37, 0x94, 0xff], [0x4e, 0x9b, 0xf5], [0x59, 0xa1, 0x4f], [0x76, 0xb7, 0xb2],
  [0x4e, 0x9b, 0xf5], [0xf2, 0x8e, 0x2b], [0xf2, 0x8e, 0x2b], [0x59, 0xa1, 0x4f],
  [0x59, 0xa1, 0x4f], [0xf2, 0x8e, 0x2b], [0xed, 0xc9, 0x48], [0x76, 0xb7, 0xb2],
  [0x76, 0xb7, 0xb2], [0x59, 0xa1, 0x4f], [0x76, 0xb7, 0xb2], [0x37, 0x94, 0xff],
];
const r = 96; // corner radius
for (let y = 0; y < S; y++) {
  for (let x = 0; x < S; x++) {
    const i = (y * S + x) * 4;
    const cx = Math.min(Math.max(x, r), S - 1 - r);
    const cy = Math.min(Math.max(y, r), S - 1 - r);
    if ((x - cx) ** 2 + (y - cy) ** 2 > r * r) continue; // transparent outside the rounded tile
    let c = [0x1b, 0x1e, 0x24];
    const gx = x - 72;
    const gy = y - 72;
    if (gx >= 0 && gy >= 0 && gx < 368 && gy < 368) {
      const col = Math.floor(gx / 92);
      const row = Math.floor(gy / 92);
      if (gx % 92 < 84 && gy % 92 < 84) c = cells[row * 4 + col];
    }
    px[i] = c[0];
    px[i + 1] = c[1];
    px[i + 2] = c[2];
    px[i + 3] = 255;
  }
}
const raw = Buffer.alloc(S * (S * 4 + 1));
for (let y = 0; y < S; y++) px.copy(raw, y * (S * 4 + 1) + 1, y * S * 4, (y + 1) * S * 4);
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc(td));
  return Buffer.concat([len, td, c]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(S, 0);
ihdr.writeUInt32BE(S, 4);
ihdr[8] = 8;
ihdr[9] = 6;
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(fileURLToPath(new URL('./icon.png', import.meta.url)), png);
