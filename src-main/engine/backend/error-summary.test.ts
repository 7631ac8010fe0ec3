import { describe, expect, it } from 'vitest';
import { summarizeError } from './error-summary';

describe('summarizeError', () => {
  it("drops Node's 'imported from' tail, which names a file of this machine", () => {
    const err = new Error("Cannot find package '@tensorflow/tfjs-node' imported from /home/ana/TokenScope/out/main/index.js");
    expect(summarizeError(err)).toBe("Cannot find package '@tensorflow/tfjs-node'");
  });

  it('keeps only the first line and shortens absolute paths in dlopen errors to the file name', () => {
    const err = new Error(
      '/opt/app/node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v8/tfjs_binding.node: libcudart.so.11.0: cannot open shared object file\n    at Module._extensions..node (node:internal/modules/cjs/loader:1340:18)',
    );
    expect(summarizeError(err)).toBe('tfjs_binding.node: libcudart.so.11.0: cannot open shared object file');
  });

  it('shortens Windows paths and file URLs too, and leaves relative names alone', () => {
    expect(summarizeError('failed at C:\\Users\\ana\\AppData\\tfjs_binding.node (code 126)')).toBe('failed at tfjs_binding.node (code 126)');
    expect(summarizeError(new Error('bad module file:///home/ana/x/y.mjs here'))).toBe('bad module y.mjs here');
    expect(summarizeError('@tensorflow/tfjs-node loaded but lib/x is odd')).toBe('@tensorflow/tfjs-node loaded but lib/x is odd');
  });

  it('caps the length', () => {
    const s = summarizeError('x'.repeat(500), 50);
    expect(s.length).toBe(50);
    expect(s.endsWith('…')).toBe(true);
  });
});
