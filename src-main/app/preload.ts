/**
 * Electron preload (sandboxed, context-isolated; built to CommonJS by electron-vite). It only
 * exposes `window.tokenscope`, built from the contract's whitelist in bridge.ts. `require` is the
 * sandboxed preload's own, which provides 'electron'.
 */
import { createPreloadApi } from './bridge';
import type { ElectronPreloadLike } from './electron-types';

const electron = require('electron') as ElectronPreloadLike;
electron.contextBridge.exposeInMainWorld('tokenscope', createPreloadApi(electron));
