/** Kernels the engine needs that tfjs-backend-webgpu 4.22 lacks (filled in as the tests find them). */
export const WEBGPU_EXTRA_KERNELS: string[] = [];

export function registerWebGpuKernels(): void {}
