/**
 * The small part of Electron's API this app uses, typed here because Electron's package (and its
 * typings) cannot be installed on every machine that builds and tests TokenScope: it is an
 * optional dependency whose binary download fails offline. Real Electron objects satisfy these
 * shapes; the main process and preload get them from `require('electron')` at run time.
 */

export interface IpcMainInvokeEventLike {
  sender: { id: number };
  senderFrame?: { url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEventLike, ...args: unknown[]) => Promise<unknown> | unknown): void;
  removeHandler(channel: string): void;
}

export interface IpcRendererEventLike {
  sender?: unknown;
}

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: IpcRendererEventLike, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcRendererEventLike, ...args: unknown[]) => void): unknown;
}

export interface WebContentsLike {
  id: number;
  send(channel: string, ...args: unknown[]): void;
  on(event: 'will-navigate', listener: (event: { preventDefault(): void }, url: string) => void): unknown;
  on(event: 'did-finish-load' | 'render-process-gone', listener: (...args: unknown[]) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' | 'allow' }): void;
  isDestroyed(): boolean;
  getURL(): string;
}

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface BrowserWindowLike {
  webContents: WebContentsLike;
  loadURL(url: string): Promise<void>;
  loadFile(file: string): Promise<void>;
  getNormalBounds(): Rectangle;
  isMaximized(): boolean;
  isMinimized(): boolean;
  maximize(): void;
  restore(): void;
  focus(): void;
  show(): void;
  isDestroyed(): boolean;
  on(event: 'close' | 'closed' | 'ready-to-show' | 'resize' | 'move', listener: () => void): unknown;
  once(event: 'ready-to-show', listener: () => void): unknown;
}

export interface BrowserWindowConstructorOptionsLike {
  width: number;
  height: number;
  x?: number;
  y?: number;
  minWidth?: number;
  minHeight?: number;
  show?: boolean;
  title?: string;
  backgroundColor?: string;
  webPreferences: {
    preload: string;
    contextIsolation: boolean;
    sandbox: boolean;
    nodeIntegration: boolean;
    nodeIntegrationInWorker?: boolean;
    webSecurity?: boolean;
    spellcheck?: boolean;
  };
}

export interface MenuItemOptionsLike {
  label?: string;
  role?: string;
  type?: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio';
  accelerator?: string;
  enabled?: boolean;
  checked?: boolean;
  click?: () => void;
  submenu?: MenuItemOptionsLike[];
}

export interface ElectronMainLike {
  app: {
    requestSingleInstanceLock(): boolean;
    whenReady(): Promise<void>;
    quit(): void;
    getPath(name: 'userData'): string;
    getName(): string;
    getVersion(): string;
    isPackaged: boolean;
    addRecentDocument(path: string): void;
    setAboutPanelOptions(options: Record<string, string>): void;
    showAboutPanel(): void;
    on(event: 'second-instance', listener: (event: unknown, argv: string[], cwd: string) => void): unknown;
    on(event: 'window-all-closed' | 'activate' | 'before-quit', listener: () => void): unknown;
    on(event: 'web-contents-created', listener: (event: unknown, contents: WebContentsLike) => void): unknown;
    on(event: 'open-file', listener: (event: { preventDefault(): void }, path: string) => void): unknown;
  };
  BrowserWindow: {
    new (options: BrowserWindowConstructorOptionsLike): BrowserWindowLike;
    getAllWindows(): BrowserWindowLike[];
  };
  Menu: {
    buildFromTemplate(template: MenuItemOptionsLike[]): unknown;
    setApplicationMenu(menu: unknown): void;
  };
  ipcMain: IpcMainLike;
  protocol: {
    registerSchemesAsPrivileged(schemes: { scheme: string; privileges: Record<string, boolean> }[]): void;
    handle(scheme: string, handler: (request: Request) => Promise<Response> | Response): void;
  };
  net: { fetch(url: string): Promise<Response> };
  dialog: {
    showOpenDialog(
      window: BrowserWindowLike,
      options: { title?: string; properties: string[]; filters?: { name: string; extensions: string[] }[] },
    ): Promise<{ canceled: boolean; filePaths: string[] }>;
    showMessageBox(window: BrowserWindowLike, options: { type?: string; message: string; detail?: string }): Promise<unknown>;
    showErrorBox(title: string, content: string): void;
  };
  session: {
    defaultSession: {
      webRequest: {
        onHeadersReceived(
          listener: (
            details: { responseHeaders?: Record<string, string[] | string> },
            callback: (response: { responseHeaders: Record<string, string[] | string> }) => void,
          ) => void,
        ): void;
      };
      setPermissionRequestHandler(handler: (wc: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
    };
  };
}

export interface ElectronPreloadLike {
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  ipcRenderer: IpcRendererLike;
  webUtils: { getPathForFile(file: File): string };
}
