import * as path from 'node:path';
import type { MenuItemOptionsLike } from './electron-types';
import type { RecentItem } from './settings';
import { backendSubmenu, type BackendMenu } from './backend-menu';

/**
 * The application menu as data, so that it can be checked without Electron: File (open data
 * file or folder, open checkpoint, recent items, save / export), View (panels), Help (about,
 * keyboard shortcuts). The main process supplies the actions.
 */
export interface MenuActions {
  openDataFile(): void;
  openDataFolder(): void;
  openCheckpoint(): void;
  openRecent(item: RecentItem): void;
  clearRecent(): void;
  openDefaultScene(): void;
  saveCheckpoint(): void;
  exportCheckpoint(): void;
  exportTrainKit(): void;
  followRun(): void;
  togglePanel(panel: string): void;
  showShortcuts(): void;
  showAbout(): void;
  /** The Compute menu (absent: no such menu). */
  backendMenu?: BackendMenu;
}

/** The renderer's panel ids (issue 4's list), in menu order. */
export const PANELS: { id: string; label: string; key: string }[] = [
  { id: 'bev', label: 'BEV Input', key: '1' },
  { id: 'tokens', label: 'Token Grid', key: '2' },
  { id: 'codebook3d', label: 'Codebook 3D', key: '3' },
  { id: 'decoded', label: 'Decoded', key: '4' },
  { id: 'timeline', label: 'Timeline', key: '5' },
  { id: 'training', label: 'Training', key: '6' },
  { id: 'health', label: 'Codebook Health', key: '7' },
  { id: 'predictions', label: 'Predictions', key: '8' },
];

export function buildMenuTemplate(actions: MenuActions, recent: RecentItem[], platform = process.platform): MenuItemOptionsLike[] {
  const recentItems: MenuItemOptionsLike[] = recent.length
    ? [
        ...recent.map((item) => ({
          label: `${item.kind === 'checkpoint' ? 'Checkpoint' : 'Data'}: ${path.basename(item.path)} — ${path.dirname(item.path)}`,
          click: () => actions.openRecent(item),
        })),
        { type: 'separator' as const },
        { label: 'Clear Recent', click: actions.clearRecent },
      ]
    : [{ label: 'No Recent Items', enabled: false }];

  const template: MenuItemOptionsLike[] = [
    {
      label: 'File',
      submenu: [
        { label: 'Open Data File…', accelerator: 'CmdOrCtrl+O', click: actions.openDataFile },
        { label: 'Open Data Folder…', accelerator: 'CmdOrCtrl+Shift+O', click: actions.openDataFolder },
        { label: 'Open Checkpoint…', accelerator: 'CmdOrCtrl+K', click: actions.openCheckpoint },
        { label: 'Open Recent', submenu: recentItems },
        { label: 'Open Default Scene', click: actions.openDefaultScene },
        { type: 'separator' },
        { label: 'Save Checkpoint', accelerator: 'CmdOrCtrl+S', click: actions.saveCheckpoint },
        { label: 'Export for PyTorch…', accelerator: 'CmdOrCtrl+E', click: actions.exportCheckpoint },
        { label: 'Export Training Kit (torchrun)…', click: actions.exportTrainKit },
        { label: 'Follow Run…', click: actions.followRun },
        { type: 'separator' },
        { role: platform === 'darwin' ? 'close' : 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...PANELS.map((p) => ({
          label: p.label,
          accelerator: `CmdOrCtrl+${p.key}`,
          click: () => actions.togglePanel(p.id),
        })),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        { role: 'toggleDevTools' },
      ],
    },
    ...(actions.backendMenu ? [backendSubmenu(actions.backendMenu)] : []),
    {
      label: 'Help',
      submenu: [
        { label: 'Keyboard Shortcuts', accelerator: 'CmdOrCtrl+/', click: actions.showShortcuts },
        { label: 'About TokenScope', click: actions.showAbout },
      ],
    },
  ];
  if (platform === 'darwin') template.unshift({ role: 'appMenu' });
  return template;
}
