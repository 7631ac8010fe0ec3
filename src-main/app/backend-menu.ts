import { BACKEND_NAMES } from '../engine/backend/backend-order';
import type { MenuItemOptionsLike } from './electron-types';
import type { BackendPreference } from './settings';

/** The Compute menu: which backend training, encoding and prediction try first. */
export interface BackendMenu {
  current: BackendPreference;
  choose(b: BackendPreference): void;
}

const LABELS: Record<BackendPreference, string> = {
  auto: 'Automatic (fastest usable)',
  'tensorflow-gpu': 'TensorFlow CUDA (tfjs-node-gpu)',
  webgpu: 'WebGPU (any GPU; a software adapter too)',
  tensorflow: 'TensorFlow CPU (tfjs-node)',
  wasm: 'WebAssembly',
  cpu: 'Pure JavaScript',
};

export function backendSubmenu(menu: BackendMenu): MenuItemOptionsLike {
  const choices: BackendPreference[] = ['auto', ...BACKEND_NAMES];
  return {
    label: 'Compute',
    submenu: choices.map((b) => ({ label: LABELS[b], type: 'radio' as const, checked: menu.current === b, click: () => menu.choose(b) })),
  };
}
