import { describe, expect, it } from 'vitest';
import type { AppStatus } from '../../../../src-main/contract/index';
import { statusBackendText } from './backend-label';

const base: AppStatus = { backend: { name: 'wasm', reason: '' }, source: null, checkpoint: null, step: 0 };
const gpu = { name: 'webgpu' as const, reason: '', adapter: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200', device: '', software: false } };

describe('status bar backend text', () => {
  it('names the backend, and the training worker’s GPU adapter where it differs', () => {
    expect(statusBackendText({ ...base, backend: null })).toBe('…');
    expect(statusBackendText(base)).toBe('wasm');
    expect(statusBackendText({ ...base, trainingBackend: { name: 'wasm', reason: '' } })).toBe('wasm');
    expect(statusBackendText({ ...base, trainingBackend: gpu })).toBe('wasm · training: webgpu on nvidia hopper (NVIDIA H200)');
    const sw = { ...gpu, adapter: { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0', device: '', software: true } };
    expect(statusBackendText({ ...base, backend: sw })).toBe('webgpu on google swiftshader (SwiftShader driver 5.0.0), software');
  });

  it('adds what encoded the tokens once something has', () => {
    const engine = 'ONNX Runtime 1.30.0 (CPU), 2 workers';
    expect(statusBackendText({ ...base, encodeEngine: engine })).toBe(`wasm · encode: ${engine}`);
    expect(statusBackendText({ ...base, trainingBackend: gpu, encodeEngine: engine })).toBe(`wasm · training: webgpu on nvidia hopper (NVIDIA H200) · encode: ${engine}`);
  });
});
