import { callGlobal, resolveGlobal, storageDType, type Fail } from './allowed-globals';
import { PyDict, PySet, PyTuple, typeName, type GlobalRef, type PickleValue, type StorageRef } from './pickle-values';

/**
 * A restricted unpickler for the pickles torch.save writes (protocol 2, and the protocol 3-5
 * opcodes a newer Python may emit). It is a plain stack machine over the bytes: no recursion, so
 * deep nesting cannot overflow the JS stack; every length is checked against the bytes left, so
 * a lying length fails at once; the stack, the memo and the mark stack grow by at most one entry
 * per opcode, so memory is bounded by the pickle's size. Globals go through allowed-globals.ts,
 * and REDUCE / NEWOBJ call only those; opcodes that name classes another way (INST, OBJ, EXT*)
 * are refused.
 */

const MARK = Symbol('mark');
type Slot = PickleValue | typeof MARK;

// LONG4 can declare a 4 GiB integer; no checkpoint value needs more than a few bytes.
const MAX_LONG_BYTES = 64;

export interface UnpickleOptions {
  /** Named in every error (the checkpoint file, and the member inside it). */
  source: string;
}

export function unpickle(bytes: Uint8Array, opts: UnpickleOptions): PickleValue {
  return run(bytes, opts.source);
}

function run(bytes: Uint8Array, source: string): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const stack: Slot[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PickleValue>();
  let pos = 0;
  let op = 0;
  let opAt = 0;

  const fail: Fail = (problem) => {
    throw new Error(`${source} byte ${opAt} (opcode 0x${op.toString(16).padStart(2, '0')}): ${problem}`);
  };
  const need = (n: number) => {
    if (n < 0 || pos + n > bytes.length) fail(`needs ${n} more bytes but the pickle ends at byte ${bytes.length} (truncated or not a pickle)`);
  };
  const u8 = () => {
    need(1);
    return bytes[pos++]!;
  };
  const u16 = () => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(bytes.length)) fail(`length ${v} exceeds the pickle's ${bytes.length} bytes`);
    return Number(v);
  };
  const take = (n: number) => {
    need(n);
    const b = bytes.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const text = (n: number) => {
    try {
      return utf8.decode(take(n));
    } catch (err) {
      if (err instanceof TypeError) fail('string is not valid UTF-8');
      throw err;
    }
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0 || end - pos > 1024) fail('GLOBAL name is not a short newline-terminated line');
    const s = new TextDecoder('latin1').decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PickleValue => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1]!)) fail('pops from an empty stack');
    const v = stack.pop()!;
    if (v === MARK) fail('pops a mark');
    return v;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail('needs a value on the stack');
    return v;
  };
  const popMark = (): PickleValue[] => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK to pop to');
    const items = stack.splice(m) as PickleValue[];
    return items;
  };
  const push = (v: Slot) => {
    stack.push(v);
  };
  const signedLong = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const setItems = (d: PickleValue, items: PickleValue[]) => {
    if (!(d instanceof PyDict)) fail(`SETITEM(S) on a ${typeName(d)}, not a dict`);
    if (items.length % 2) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) d.map.set(items[i]!, items[i + 1]!);
  };
  const append = (l: PickleValue, items: PickleValue[]) => {
    // A loop, not push(...items): spreading a huge APPENDS would overflow the call stack.
    const into = Array.isArray(l) ? l : l instanceof PySet ? l.items : null;
    if (into) for (const v of items) into.push(v);
    else fail(`APPEND(S)/ADDITEMS on a ${typeName(l)}, not a list or set`);
  };
  const get = (i: number) => {
    const v = memo.get(i);
    if (v === undefined) fail(`memo entry ${i} was never stored`);
    return v;
  };
  const put = (i: number) => memo.set(i, top());

  for (;;) {
    opAt = pos;
    op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('pickle protocol newer than 5');
        break;
      case 0x95: // FRAME: a length hint only
        u64();
        break;
      case 0x2e: {
        // STOP
        const v = pop();
        if (stack.length || marks.length) fail('STOP with values left on the stack');
        return v;
      }
      case 0x28: // MARK
        marks.push(stack.length);
        push(MARK);
        // The MARK slot itself is dropped by popMark's splice (it sits at index m).
        break;
      case 0x7d: // EMPTY_DICT
        push(new PyDict());
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        push(new PyTuple([]));
        break;
      case 0x8f: // EMPTY_SET
        push(new PySet([]));
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x4a: // BININT
        need(4);
        push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x8a: // LONG1
        push(signedLong(take(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = u32();
        if (n > MAX_LONG_BYTES) fail(`an integer of ${n} bytes (at most ${MAX_LONG_BYTES})`);
        push(signedLong(take(n)));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        push(text(u64()));
        break;
      case 0x42: // BINBYTES
        push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        push(take(u64()).slice());
        break;
      case 0x85: // TUPLE1
        push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        push(new PyTuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        push(new PyTuple([a, b, c]));
        break;
      }
      case 0x74: // TUPLE
        push(new PyTuple(popMark().slice(1)));
        break;
      case 0x91: // FROZENSET
        push(new PySet(popMark().slice(1)));
        break;
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark().slice(1);
        setItems(top(), items);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: // APPENDS
      case 0x90: {
        // ADDITEMS
        const items = popMark().slice(1);
        append(top(), items);
        break;
      }
      case 0x71: // BINPUT
        put(u8());
        break;
      case 0x72: // LONG_BINPUT
        put(u32());
        break;
      case 0x94: // MEMOIZE
        put(memo.size);
        break;
      case 0x68: // BINGET
        push(get(u8()));
        break;
      case 0x6a: // LONG_BINGET
        push(get(u32()));
        break;
      case 0x30: // POP
        if (stack[stack.length - 1] === MARK) popMark();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        push(resolveGlobal(module, name, fail));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        push(resolveGlobal(module, name, fail));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        if (!(args instanceof PyTuple)) fail(`REDUCE arguments are a ${typeName(args)}, not a tuple`);
        if (typeof fn !== 'object' || fn === null || (fn as { kind?: unknown }).kind !== 'global') fail(`REDUCE calls a ${typeName(fn)}, not an allowed global`);
        push(callGlobal(fn as GlobalRef, args.items, fail));
        break;
      }
      case 0x81: // NEWOBJ: cls.__new__(cls, *args), for an allowed class only (OrderedDict)
      case 0x92: {
        // NEWOBJ_EX: the same with keyword arguments, which no allowed class takes
        if (op === 0x92) {
          const kwargs = pop();
          if (!(kwargs instanceof PyDict) || kwargs.map.size) fail('NEWOBJ_EX with keyword arguments');
        }
        const args = pop();
        const cls = pop();
        if (!(args instanceof PyTuple)) fail(`NEWOBJ arguments are a ${typeName(args)}, not a tuple`);
        if (typeof cls !== 'object' || cls === null || (cls as { kind?: unknown }).kind !== 'global') fail(`NEWOBJ builds a ${typeName(cls)}, not an allowed class`);
        push(callGlobal(cls as GlobalRef, args.items, fail));
        break;
      }
      case 0x62: {
        // BUILD: sets an object's state. The objects built here (tensors, OrderedDicts) keep
        // none that matters: torch's state-dict `_metadata` and empty hook dicts are dropped.
        const state = pop();
        const obj = top();
        if (!(obj instanceof PyDict) && !(typeof obj === 'object' && obj !== null && 'kind' in obj && obj.kind === 'tensor')) {
          fail(`BUILD on a ${typeName(obj)}: only tensors and dicts may carry state`);
        }
        void state;
        break;
      }
      case 0x51: {
        // BINPERSID: torch's ('storage', storage_type, key, location, numel)
        const pid = pop();
        push(storageFromPid(pid, fail));
        break;
      }
      default:
        fail(
          op === 0x69 || op === 0x6f || (op >= 0x82 && op <= 0x84)
            ? 'refused: this opcode builds an arbitrary Python object (INST, OBJ or EXT), which a checkpoint does not need'
            : `opcode 0x${op.toString(16)} is not one torch.save writes (garbage, or not a torch checkpoint)`,
        );
    }
  }
}

function storageFromPid(pid: PickleValue, fail: Fail): StorageRef {
  if (!(pid instanceof PyTuple) || pid.items.length !== 5 || pid.items[0] !== 'storage') {
    fail(`persistent id is a ${typeName(pid)}, not torch's ('storage', type, key, location, numel)`);
  }
  const [, type, key, location, numel] = pid.items;
  const dtype = storageDType(type!, fail);
  if (typeof key !== 'string' || !/^[0-9A-Za-z_]{1,64}$/.test(key)) fail(`storage key ${JSON.stringify(typeName(key) === 'str' ? key : typeName(key))} is not a plain archive name`);
  if (typeof location !== 'string') fail('storage location is not a string');
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) fail(`storage size ${String(numel)} is not a non-negative integer`);
  return { kind: 'storage', dtype, key, location, numel };
}
