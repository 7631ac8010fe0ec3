/**
 * A name from the outside world (a file name, a zip member, a tensor name) made safe to print
 * in one line of a message or a terminal: control characters, the replacement character, lone
 * surrogates and bidirectional overrides become `\xNN` / `\u{NNNN}` escapes (so garbage cannot
 * move the cursor, recolour a terminal or reorder what is shown), and it is cut to `max`.
 */
export function printableName(name: string, max = 120): string {
  let out = '';
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    const unsafe =
      c < 0x20 || (c >= 0x7f && c < 0xa0) || c === 0xfffd || (c >= 0xd800 && c <= 0xdfff) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
    out += unsafe ? (c <= 0xff ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u{${c.toString(16)}}`) : ch;
    if (out.length > max) return `${out.slice(0, max)}…`;
  }
  return out;
}

/** Raw name bytes that are not valid UTF-8, printable: ASCII as is, every other byte as `\xNN`. */
export function printableBytes(bytes: Uint8Array, max = 120): string {
  let out = '';
  for (const b of bytes) {
    out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
    if (out.length > max) return `${out.slice(0, max)}…`;
  }
  return out;
}
