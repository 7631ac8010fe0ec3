/**
 * The few protocol-buffer encodings an ONNX model needs (varints, length-delimited fields,
 * fixed32 floats), written by hand: pulling in a protobuf library and ONNX's .proto for one
 * writer of five message types would cost more than these fifty lines.
 * https://protobuf.dev/programming-guides/encoding/
 */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  private key(field: number, wire: 0 | 2 | 5): void {
    this.rawVarint(BigInt((field << 3) | wire));
  }

  /** Two's complement for negatives, as int64 fields are encoded (ten bytes). */
  private rawVarint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    const out: number[] = [];
    do {
      let byte = Number(x & 0x7fn);
      x >>= 7n;
      if (x !== 0n) byte |= 0x80;
      out.push(byte);
    } while (x !== 0n);
    this.push(Uint8Array.from(out));
  }

  varint(field: number, v: number | bigint): this {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new Error(`protobuf: ${v} is not an integer`);
    this.key(field, 0);
    this.rawVarint(BigInt(v));
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2);
    this.rawVarint(BigInt(b.length));
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  float(field: number, f: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, f, true);
    this.push(b);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
