/**
 * How a file's first bytes say torch.save wrote it. TokenScope's own `.ckpt` is safetensors,
 * whose first 8 bytes are a little-endian header length: a zip's `PK\3\4` there would declare a
 * 67 MB header, and the legacy magic is 14 exact bytes, so neither can be mistaken for it.
 */

/** The first bytes to read to decide. */
export const SIGNATURE_BYTES = 14;

/** torch's legacy (pre-1.6) format starts with a pickled magic number: LONG1 0x1950a86a20f9469cfc6c. */
export const LEGACY_MAGIC = Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]);

export function isLegacyTorchFile(head: Uint8Array): boolean {
  return head.length >= LEGACY_MAGIC.length && LEGACY_MAGIC.every((b, i) => head[i] === b);
}

/** A zip (torch.save since 1.6) or the legacy format. */
export function looksLikeTorchCheckpoint(head: Uint8Array): boolean {
  const zip = head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
  return zip || isLegacyTorchFile(head);
}
