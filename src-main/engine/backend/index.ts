export { initBackend, activeBackend, type InitBackendOptions } from './init-backend';
export { registerWasmTrainingKernels } from './wasm-kernels';
export { probeTraining } from './probe';
