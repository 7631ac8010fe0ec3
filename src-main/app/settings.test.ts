import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { addRecent, DEFAULT_SETTINGS, loadSettings, MAX_RECENT, normalizeSettings, saveSettings, settingsFile } from './settings';
import { buildMenuTemplate, PANELS } from './menu';
import type { MenuActions } from './menu';
import type { MenuItemOptionsLike } from './electron-types';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'tokenscope-settings-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('app settings', () => {
  it('remembers the window size and recent items across a save and a load', async () => {
    const dir = await tempDir();
    await saveSettings(dir, {
      window: { x: 40, y: 60, width: 1200, height: 700, maximized: true },
      recent: [{ kind: 'data', path: '/data/a.npz' }],
      backend: 'webgpu',
    });
    const back = await loadSettings(dir);
    expect(back.backend).toBe('webgpu');
    expect(back.window).toEqual({ x: 40, y: 60, width: 1200, height: 700, maximized: true });
    expect(back.recent).toEqual([{ kind: 'data', path: '/data/a.npz' }]);
  });

  it('falls back to defaults for a missing or damaged file, and cleans bad values', async () => {
    const dir = await tempDir();
    expect(await loadSettings(dir)).toEqual(DEFAULT_SETTINGS);
    await writeFile(settingsFile(dir), '{"window": {"width": 10, "height": "x"}, "recent": [{"kind":"evil","path":1}]');
    expect(await loadSettings(dir)).toEqual(DEFAULT_SETTINGS);
    await writeFile(settingsFile(dir), '{"window": {"width": 10, "height": "x"}, "recent": [{"kind":"evil","path":"p"}, {"kind":"checkpoint","path":"/c"}]}');
    const cleaned = await loadSettings(dir);
    expect(cleaned.window.width).toBe(800);
    expect(cleaned.window.height).toBe(DEFAULT_SETTINGS.window.height);
    expect(cleaned.recent).toEqual([{ kind: 'checkpoint', path: '/c' }]);
    await writeFile(settingsFile(dir), '{"backend": "cuda-please"}');
    expect((await loadSettings(dir)).backend).toBe('auto');
    await saveSettings(dir, cleaned);
    expect(JSON.parse(await readFile(settingsFile(dir), 'utf8')).window.width).toBe(800);
  });

  it('keeps a valid memory budget and drops a malformed one', () => {
    expect(normalizeSettings({ memoryBudget: '4GB' }).memoryBudget).toBe('4GB');
    expect(normalizeSettings({ memoryBudget: 'lots' })).not.toHaveProperty('memoryBudget');
    expect(normalizeSettings({ memoryBudget: 12 })).not.toHaveProperty('memoryBudget');
  });

  it('keeps recent items unique, newest first, at most MAX_RECENT', () => {
    let recent = addRecent([], { kind: 'data', path: '/a' });
    recent = addRecent(recent, { kind: 'checkpoint', path: '/a' });
    recent = addRecent(recent, { kind: 'data', path: '/a' });
    expect(recent).toEqual([{ kind: 'data', path: '/a' }, { kind: 'checkpoint', path: '/a' }]);
    for (let i = 0; i < 20; i++) recent = addRecent(recent, { kind: 'data', path: `/f${i}` });
    expect(recent.length).toBe(MAX_RECENT);
    expect(recent[0]!.path).toBe('/f19');
  });
});

describe('application menu', () => {
  const calls: string[] = [];
  const actions: MenuActions = {
    openDataFile: () => calls.push('openDataFile'),
    openDataFolder: () => calls.push('openDataFolder'),
    openCheckpoint: () => calls.push('openCheckpoint'),
    openRecent: (item) => calls.push(`openRecent:${item.path}`),
    clearRecent: () => calls.push('clearRecent'),
    openDefaultScene: () => calls.push('openDefaultScene'),
    saveCheckpoint: () => calls.push('saveCheckpoint'),
    exportCheckpoint: () => calls.push('exportCheckpoint'),
    exportTrainKit: () => calls.push('exportTrainKit'),
    followRun: () => calls.push('followRun'),
    togglePanel: (p) => calls.push(`togglePanel:${p}`),
    showShortcuts: () => calls.push('showShortcuts'),
    showAbout: () => calls.push('showAbout'),
  };
  const find = (items: MenuItemOptionsLike[], label: string): MenuItemOptionsLike => {
    const hit = items.find((i) => i.label === label);
    if (!hit) throw new Error(`no menu item ${label} in ${items.map((i) => i.label ?? i.role).join(', ')}`);
    return hit;
  };

  it('has File, View and Help menus whose items call their actions', () => {
    calls.length = 0;
    const template = buildMenuTemplate(actions, [{ kind: 'checkpoint', path: '/runs/ckpt-100' }], 'linux');
    const file = find(template, 'File').submenu!;
    find(file, 'Open Data File…').click!();
    find(file, 'Open Data Folder…').click!();
    find(file, 'Open Checkpoint…').click!();
    find(file, 'Export for PyTorch…').click!();
    find(file, 'Export Training Kit (torchrun)…').click!();
    find(file, 'Follow Run…').click!();
    const recent = find(file, 'Open Recent').submenu!;
    expect(recent[0]!.label).toContain('ckpt-100');
    recent[0]!.click!();
    const view = find(template, 'View').submenu!;
    for (const p of PANELS) find(view, p.label).click!();
    const help = find(template, 'Help').submenu!;
    find(help, 'Keyboard Shortcuts').click!();
    find(help, 'About TokenScope').click!();
    expect(calls).toEqual([
      'openDataFile',
      'openDataFolder',
      'openCheckpoint',
      'exportCheckpoint',
      'exportTrainKit',
      'followRun',
      'openRecent:/runs/ckpt-100',
      ...PANELS.map((p) => `togglePanel:${p.id}`),
      'showShortcuts',
      'showAbout',
    ]);
  });

  it('shows a disabled placeholder when there are no recent items, and an app menu on macOS only', () => {
    const linux = buildMenuTemplate(actions, [], 'linux');
    const recent = find(find(linux, 'File').submenu!, 'Open Recent').submenu!;
    expect(recent).toEqual([{ label: 'No Recent Items', enabled: false }]);
    expect(linux[0]!.label).toBe('File');
    expect(buildMenuTemplate(actions, [], 'darwin')[0]!.role).toBe('appMenu');
  });
});

describe('Compute menu', () => {
  it('offers automatic and every backend as radio items, the setting checked, and reports the choice', async () => {
    const { backendSubmenu } = await import('./backend-menu');
    const chosen: string[] = [];
    const menu = backendSubmenu({ current: 'webgpu', choose: (b) => chosen.push(b) });
    const items = menu.submenu as Array<{ label: string; checked?: boolean; click?: () => void }>;
    expect(items).toHaveLength(6);
    expect(items.filter((i) => i.checked).map((i) => i.label)).toEqual(['WebGPU (any GPU; a software adapter too)']);
    items[0]!.click!();
    expect(chosen).toEqual(['auto']);
  });
});
