/**
 * Electron's main process: one window, the menu, settings, and the IPC front door to the
 * workspace. Deliberately thin: every feature lives in the service (src-main/service), which the
 * browser mode and the CLI use too. Heavy work (training, encoding a sequence) runs in the
 * engine's worker threads; native tfjs addons are never loaded on this thread (the workspace is
 * created with `allowNative: false`, see DESIGN.md on Electron's memory cage).
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { createWorkspace } from '../service/workspace';
import type { Workspace } from '../service/workspace';
import { deferredService } from '../service/deferred-service';
import type { ServiceEventSource, TokenScopeService } from '../contract/index';
import { eventChannel } from '../contract/preload-api';
import type { AppCommand } from '../contract/preload-api';
import { CONTENT_SECURITY_POLICY, securityHeaders } from '../web/security-headers';
import { registerIpcHandlers } from './ipc-handlers';
import { buildMenuTemplate } from './menu';
import { addRecent, loadSettings, saveSettings } from './settings';
import { BACKEND_ENV } from '../engine/backend/backend-order';
import { MEMORY_BUDGET_ENV, setMemoryBudget } from '../data/memory-budget';
import type { AppSettings, RecentItem } from './settings';
import type { BrowserWindowLike, ElectronMainLike } from './electron-types';

const electron = createRequire(import.meta.url)('electron') as ElectronMainLike;
const { app, BrowserWindow, Menu, ipcMain, dialog, session, protocol, net } = electron;
const here = path.dirname(fileURLToPath(import.meta.url));
/** The renderer is served from app://tokenscope/ rather than file://, so that it gets real headers (CSP). */
const SCHEME = 'app';
const APP_ORIGIN = `${SCHEME}://tokenscope`;
const rendererDir = path.join(here, '../renderer');
const devServerUrl = process.env.ELECTRON_RENDERER_URL;

let mainWindow: BrowserWindowLike | null = null;
let workspaceReady: Promise<Workspace> | null = null;
/** The workspace once it exists; until then, a service whose calls wait for it. */
let workspace: (TokenScopeService & ServiceEventSource) | null = null;
let settings: AppSettings;

function sendCommand(command: AppCommand): void {
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(eventChannel('appCommand'), command);
}

function report(err: unknown): void {
  const message = (err as Error)?.message ?? String(err);
  if (mainWindow && !mainWindow.isDestroyed()) {
    void dialog.showMessageBox(mainWindow, { type: 'error', message: 'TokenScope', detail: message });
  } else {
    dialog.showErrorBox('TokenScope', message);
  }
}

async function remember(item: RecentItem): Promise<void> {
  settings.recent = addRecent(settings.recent, item);
  app.addRecentDocument(item.path);
  await saveSettings(app.getPath('userData'), settings).catch(() => undefined);
  installMenu();
}

async function openData(p: string): Promise<void> {
  if (!workspace) return;
  try {
    await workspace.openPath(p);
    sendCommand({ name: 'openedPath', arg: p });
    await remember({ kind: 'data', path: p });
  } catch (err) {
    report(err);
  }
}

async function openCheckpoint(p: string): Promise<void> {
  if (!workspace) return;
  try {
    await workspace.openCheckpoint(p);
    await remember({ kind: 'checkpoint', path: p });
  } catch (err) {
    report(err);
  }
}

async function pick(title: string, properties: string[], filters?: { name: string; extensions: string[] }[]): Promise<string | null> {
  if (!mainWindow) return null;
  const result = await dialog.showOpenDialog(mainWindow, { title, properties, filters });
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

function installMenu(): void {
  const template = buildMenuTemplate(
    {
      openDataFile: () =>
        void pick('Open data file', ['openFile'], [
          { name: 'BEV data', extensions: ['npy', 'npz', 'bin', 'pcd'] },
          { name: 'All files', extensions: ['*'] },
        ]).then((p) => (p ? openData(p) : undefined)),
      openDataFolder: () => void pick('Open data folder', ['openDirectory']).then((p) => (p ? openData(p) : undefined)),
      openCheckpoint: () => void pick('Open checkpoint', ['openFile', 'openDirectory']).then((p) => (p ? openCheckpoint(p) : undefined)),
      openRecent: (item) => void (item.kind === 'data' ? openData(item.path) : openCheckpoint(item.path)),
      clearRecent: () => {
        settings.recent = [];
        void saveSettings(app.getPath('userData'), settings).catch(() => undefined);
        installMenu();
      },
      openDefaultScene: () => void workspace?.openProcedural().catch(report),
      saveCheckpoint: () => void workspace?.saveCheckpoint().then((info) => remember({ kind: 'checkpoint', path: info.path }), report),
      exportCheckpoint: () =>
        void pick('Export for PyTorch into folder', ['openDirectory', 'createDirectory']).then(
          async (dir) => {
            if (!dir || !workspace) return;
            try {
              const files = await workspace.exportCheckpoint(dir);
              if (mainWindow) await dialog.showMessageBox(mainWindow, { type: 'info', message: `Exported ${files.length} files`, detail: files.join('\n') });
            } catch (err) {
              report(err);
            }
          },
        ),
      exportTrainKit: () =>
        void pick('Training kit into a new folder', ['openDirectory', 'createDirectory']).then(async (dir) => {
          if (!dir || !workspace) return;
          try {
            const kit = await workspace.exportTrainKit(dir);
            if (mainWindow) await dialog.showMessageBox(mainWindow, { type: 'info', message: 'Training kit written; run:', detail: kit.command });
          } catch (err) {
            report(err);
          }
        }),
      followRun: () =>
        void pick('Follow run folder', ['openDirectory']).then(async (dir) => {
          if (!dir || !workspace) return;
          try {
            await workspace.followRun(dir);
            sendCommand({ name: 'togglePanel', arg: 'run' });
          } catch (err) {
            report(err);
          }
        }),
      togglePanel: (panel) => sendCommand({ name: 'togglePanel', arg: panel }),
      showShortcuts: () => sendCommand({ name: 'showShortcuts' }),
      showAbout: () => app.showAboutPanel(),
      backendMenu: {
        current: settings.backend,
        choose: (b) => {
          settings.backend = b;
          applyBackendSetting();
          void saveSettings(app.getPath('userData'), settings).catch(() => undefined);
          installMenu();
          if (mainWindow) void dialog.showMessageBox(mainWindow, { type: 'info', message: `Compute backend: ${b}`, detail: 'Training runs started from now use it; restart TokenScope for encoding and predictions.' });
        },
      },
    },
    settings.recent,
  );
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** Worker threads (training, the inference pool, the predictor) read TOKENSCOPE_BACKEND when they start. */
function applyBackendSetting(): void {
  if (settings.backend === 'auto') delete process.env[BACKEND_ENV];
  else process.env[BACKEND_ENV] = settings.backend;
}

/** A path given on the command line (`tokenscope-app scene.npz`), for the first or a second instance. */
function pathFromArgv(argv: string[], cwd: string): string | null {
  for (const arg of argv.slice(app.isPackaged ? 1 : 2).reverse()) {
    if (arg.startsWith('-')) continue;
    const p = path.resolve(cwd, arg);
    if (existsSync(p)) return p;
  }
  return null;
}

async function createWindow(): Promise<void> {
  const { window: bounds } = settings;
  const win = new BrowserWindow({
    width: bounds.width,
    height: bounds.height,
    ...(bounds.x !== undefined && bounds.y !== undefined ? { x: bounds.x, y: bounds.y } : {}),
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'TokenScope',
    backgroundColor: '#16181d',
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  mainWindow = win;
  if (bounds.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  win.on('close', () => {
    settings.window = { ...win.getNormalBounds(), maximized: win.isMaximized() };
    void saveSettings(app.getPath('userData'), settings).catch(() => undefined);
  });
  win.on('closed', () => {
    mainWindow = null;
  });
  if (devServerUrl) await win.loadURL(devServerUrl);
  else await win.loadURL(`${APP_ORIGIN}/index.html`);
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  protocol.registerSchemesAsPrivileged([
    { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false } },
  ]);

  app.on('second-instance', (_event, argv, cwd) => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
    const p = pathFromArgv(argv, cwd);
    if (p) void openData(p);
  });
  app.on('open-file', (event, p) => {
    event.preventDefault();
    void openData(p);
  });
  // Every web contents (the window, any devtools) may not navigate away nor open new windows.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      const allowed = devServerUrl ? url.startsWith(devServerUrl) : url.startsWith(`${APP_ORIGIN}/`);
      if (!allowed) event.preventDefault();
    });
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  app.on('window-all-closed', () => app.quit());

  await app.whenReady();
  settings = await loadSettings(app.getPath('userData'));
  applyBackendSetting();
  // The environment variable, when set, wins over the saved setting (a per-launch override).
  if (settings.memoryBudget && !process.env[MEMORY_BUDGET_ENV]) setMemoryBudget(settings.memoryBudget);
  app.setAboutPanelOptions({
    applicationName: 'TokenScope',
    applicationVersion: app.getVersion(),
    copyright: 'MIT licence. nuScenes samples © Motional, CC BY-NC-SA 4.0.',
  });

  // Serve the built renderer with the same security headers as the browser mode.
  protocol.handle(SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = path.resolve(rendererDir, '.' + decodeURIComponent(url.pathname));
    if (!file.startsWith(rendererDir + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      return new Response('not found', { status: 404 });
    }
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    for (const [k, v] of Object.entries(securityHeaders())) headers.set(k, v);
    return new Response(response.body, { status: response.status, headers });
  });
  // The dev server's pages get the CSP too (header-level, so inline scripts are refused there as well).
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...(details.responseHeaders ?? {}), 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  // Bundled (out/main/index.js), the engine's workers are built beside this file; from sources
  // (electron-vite dev) the engine finds its own .ts workers.
  const bundled = import.meta.url.endsWith('.js');
  // The window opens at once; the workspace (backend probe, default scene) comes up meanwhile.
  workspaceReady = createWorkspace({
    allowNative: false,
    checkpointDir: path.join(app.getPath('userData'), 'checkpoints'),
    // The checkpoints remembered in the settings are offered as a comparison's second side.
    recentCheckpoints: settings.recent.filter((r) => r.kind === 'checkpoint').map((r) => r.path),
    ...(bundled
      ? { workerEntries: { train: new URL('./train-worker.js', import.meta.url), infer: new URL('./infer-worker.js', import.meta.url) } }
      : {}),
  });
  workspaceReady.catch((err) => report(new Error(`the workspace could not start: ${(err as Error).message}`)));
  workspace = deferredService(workspaceReady);
  // Handlers before the page loads, so that its first calls find them.
  const ipc = registerIpcHandlers(
    ipcMain,
    workspace,
    (channel, payload) => {
      if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(channel, payload);
    },
    (event) => event.sender.id === mainWindow?.webContents.id,
  );
  app.on('before-quit', () => {
    ipc.dispose();
    void workspaceReady?.then((w) => w.dispose(), () => undefined);
  });
  installMenu();
  await createWindow();
  const first = pathFromArgv(process.argv, process.cwd());
  if (first) await openData(first);
}

main().catch((err) => {
  dialog.showErrorBox('TokenScope could not start', (err as Error)?.stack ?? String(err));
  app.quit();
});
