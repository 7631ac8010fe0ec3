import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { BackendName } from '../contract/index';
import { isBackendName } from '../engine/backend/backend-order';
import { parseMemorySize } from '../data/memory-budget';
import { writeFileAtomic } from '../util/atomic-write';

/**
 * The app's settings, kept as JSON in Electron's user-data folder: the window's size and place,
 * whether it was maximised, and the recently opened data and checkpoints. A missing or damaged
 * file gives the defaults (and is rewritten on the next save) rather than a window that will
 * not open.
 */
export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export interface RecentItem {
  kind: 'data' | 'checkpoint';
  path: string;
}

/** The compute backend to try first ('auto': the fastest usable); passed on as TOKENSCOPE_BACKEND. */
export type BackendPreference = BackendName | 'auto';

export interface AppSettings {
  window: WindowBounds;
  recent: RecentItem[];
  backend: BackendPreference;
  /** Most memory one input file may make the app allocate, e.g. "4GB" or "25%" (data/memory-budget.ts); absent: the default. */
  memoryBudget?: string;
}

export const DEFAULT_SETTINGS: AppSettings = {
  window: { width: 1440, height: 900, maximized: false },
  recent: [],
  backend: 'auto',
};

export const MAX_RECENT = 10;
const MIN_SIZE = { width: 800, height: 560 };

export function settingsFile(userDataDir: string): string {
  return path.join(userDataDir, 'settings.json');
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : undefined;
}

/** Cleans whatever was on disk into valid settings. */
export function normalizeSettings(raw: unknown): AppSettings {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const w = (o.window && typeof o.window === 'object' ? o.window : {}) as Record<string, unknown>;
  const window: WindowBounds = {
    width: Math.max(MIN_SIZE.width, num(w.width) ?? DEFAULT_SETTINGS.window.width),
    height: Math.max(MIN_SIZE.height, num(w.height) ?? DEFAULT_SETTINGS.window.height),
    maximized: w.maximized === true,
  };
  const x = num(w.x);
  const y = num(w.y);
  if (x !== undefined && y !== undefined) Object.assign(window, { x, y });
  const recent: RecentItem[] = [];
  if (Array.isArray(o.recent)) {
    for (const item of o.recent) {
      const r = item as Record<string, unknown>;
      if ((r?.kind === 'data' || r?.kind === 'checkpoint') && typeof r.path === 'string' && r.path) {
        recent.push({ kind: r.kind, path: r.path });
      }
    }
  }
  const backend = typeof o.backend === 'string' && isBackendName(o.backend) ? o.backend : 'auto';
  const budget = validMemoryBudget(o.memoryBudget);
  return { window, recent: recent.slice(0, MAX_RECENT), backend, ...(budget ? { memoryBudget: budget } : {}) };
}

function validMemoryBudget(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    parseMemorySize(v);
    return v;
  } catch {
    return undefined;
  }
}

export async function loadSettings(userDataDir: string): Promise<AppSettings> {
  try {
    return normalizeSettings(JSON.parse(await fs.readFile(settingsFile(userDataDir), 'utf8')));
  } catch {
    return structuredClone(DEFAULT_SETTINGS);
  }
}

export async function saveSettings(userDataDir: string, settings: AppSettings): Promise<void> {
  await writeFileAtomic(settingsFile(userDataDir), JSON.stringify(normalizeSettings(settings), null, 2) + '\n');
}

/** Puts an item first in the recent list, without duplicates, keeping at most MAX_RECENT. */
export function addRecent(recent: RecentItem[], item: RecentItem): RecentItem[] {
  const rest = recent.filter((r) => !(r.kind === item.kind && r.path === item.path));
  return [item, ...rest].slice(0, MAX_RECENT);
}
