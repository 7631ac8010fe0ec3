import { ProtoWriter } from './protobuf';

/**
 * An ONNX model under construction: initializers, nodes, typed inputs and outputs, serialised
 * to ModelProto bytes (onnx/onnx.proto field numbers; IR version 7, opset 13, which every
 * ONNX Runtime since 1.6 and PyTorch's exporter read).
 * https://github.com/onnx/onnx/blob/main/onnx/onnx.proto
 */
export const ONNX_OPSET = 13;
const IR_VERSION = 7;

/** TensorProto.DataType values used here. */
export const OnnxType = { float: 1, int32: 6, int64: 7 } as const;
export type OnnxElem = keyof typeof OnnxType;

/** Attribute values: an integer, a float, a list of integers. */
export type OnnxAttr = { int: number } | { float: number } | { ints: number[] };

/** A dimension: fixed, or named (dynamic, e.g. the batch). */
export type OnnxDim = number | string;

export class OnnxGraph {
  private readonly nodes: ProtoWriter[] = [];
  private readonly initializers: ProtoWriter[] = [];
  private readonly inputs: ProtoWriter[] = [];
  private readonly outputs: ProtoWriter[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  /** A name no other value in the graph has, from a readable stem. */
  fresh(stem: string): string {
    let n = stem;
    while (this.names.has(n)) n = `${stem}_${++this.counter}`;
    this.names.add(n);
    return n;
  }

  input(name: string, elem: OnnxElem, dims: OnnxDim[]): string {
    this.names.add(name);
    this.inputs.push(valueInfo(name, elem, dims));
    return name;
  }

  output(name: string, elem: OnnxElem, dims: OnnxDim[]): void {
    this.outputs.push(valueInfo(name, elem, dims));
  }

  /** A constant tensor (weights), stored as little-endian raw data. */
  constant(stem: string, data: Float32Array | Int32Array | BigInt64Array, dims: number[]): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) throw new Error(`onnx: initializer ${stem} has ${data.length} values for dims [${dims.join(', ')}]`);
    const name = this.fresh(stem);
    const t = new ProtoWriter();
    for (const d of dims) t.varint(1, d);
    t.varint(2, data instanceof Float32Array ? OnnxType.float : data instanceof Int32Array ? OnnxType.int32 : OnnxType.int64);
    t.string(8, name);
    t.bytes(9, littleEndianBytes(data));
    this.initializers.push(t);
    return name;
  }

  /** Adds a node; returns the names of its outputs (fresh ones from `outputs` stems). */
  node(op: string, inputs: string[], attrs: Record<string, OnnxAttr> = {}, outputs: string[] = [op.toLowerCase()]): string[] {
    const outs = outputs.map((o) => this.fresh(o));
    const n = new ProtoWriter();
    for (const i of inputs) n.string(1, i);
    for (const o of outs) n.string(2, o);
    n.string(3, this.fresh(`${op}_node`));
    n.string(4, op);
    for (const [key, v] of Object.entries(attrs)) n.message(5, attribute(key, v));
    this.nodes.push(n);
    return outs;
  }

  /** A node with one output. */
  op(op: string, inputs: string[], attrs: Record<string, OnnxAttr> = {}, output?: string): string {
    return this.node(op, inputs, attrs, [output ?? op.toLowerCase()])[0]!;
  }

  /** ModelProto bytes. */
  serialize(producer: { name: string; version: string }): Uint8Array {
    const g = new ProtoWriter();
    for (const n of this.nodes) g.message(1, n);
    g.string(2, this.name);
    for (const t of this.initializers) g.message(5, t);
    for (const i of this.inputs) g.message(11, i);
    for (const o of this.outputs) g.message(12, o);
    const opset = new ProtoWriter().string(1, '').varint(2, ONNX_OPSET);
    return new ProtoWriter()
      .varint(1, IR_VERSION)
      .string(2, producer.name)
      .string(3, producer.version)
      .message(7, g)
      .message(8, opset)
      .finish();
  }
}

function valueInfo(name: string, elem: OnnxElem, dims: OnnxDim[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().varint(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().varint(1, OnnxType[elem]).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

/** AttributeProto.AttributeType: FLOAT 1, INT 2, INTS 7. */
function attribute(name: string, v: OnnxAttr): ProtoWriter {
  const a = new ProtoWriter().string(1, name);
  if ('int' in v) return a.varint(3, v.int).varint(20, 2);
  if ('float' in v) return a.float(2, v.float).varint(20, 1);
  for (const i of v.ints) a.varint(8, i);
  return a.varint(20, 7);
}

function littleEndianBytes(data: Float32Array | Int32Array | BigInt64Array): Uint8Array {
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  const width = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) view.setFloat32(i * width, data[i]!, true);
    else if (data instanceof Int32Array) view.setInt32(i * width, data[i]!, true);
    else view.setBigInt64(i * width, data[i]!, true);
  }
  return out;
}
