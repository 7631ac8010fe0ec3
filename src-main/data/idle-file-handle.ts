/**
 * One read handle on a file, shared by the reads that come close together and closed when none
 * has come for a short while. For readers whose owner has no close hook (a FrameSequence is
 * dropped, never disposed): holding a handle for the owner's lifetime would leak it, and opening
 * one per read costs an open + fstat + close each time, about 3× a 256 KiB read on a held handle
 * (bench/npy-lazy-bench.ts). The idle timer is unref'd, so it never keeps the process alive.
 */
import type { promises as fs } from 'node:fs';
import { DataError } from './errors';
import { openRegularFile } from './read-bytes';

/** How long a handle stays open after its last read: longer than the gap between a player's frames. */
export const IDLE_CLOSE_MS = 250;

export class IdleFileHandle {
  private opening: Promise<fs.FileHandle> | undefined;
  private active = 0;
  private timer: NodeJS.Timeout | undefined;

  /** `expectedSize`: the size the file had when it was first looked at; a changed file is refused. */
  constructor(
    readonly file: string,
    private readonly expectedSize: number,
    private readonly idleMs = IDLE_CLOSE_MS,
  ) {}

  /** Runs `fn` with the open handle (opened now if it is closed). Concurrent calls share it. */
  async use<T>(fn: (handle: fs.FileHandle) => Promise<T>): Promise<T> {
    this.active++;
    clearTimeout(this.timer);
    this.timer = undefined;
    try {
      this.opening ??= this.open();
      const opening = this.opening;
      let handle: fs.FileHandle;
      try {
        handle = await opening;
      } catch (err) {
        // A failed open is not kept: the next read tries again (the file may be back).
        if (this.opening === opening) this.opening = undefined;
        throw err;
      }
      return await fn(handle);
    } finally {
      if (--this.active === 0) this.scheduleClose();
    }
  }

  /** Whether a handle is open (or opening) now; for tests. */
  get isOpen(): boolean {
    return this.opening !== undefined;
  }

  /** Closes the handle now if no read is using it. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.active > 0) return;
    const opening = this.opening;
    this.opening = undefined;
    if (opening) await opening.then((h) => h.close()).catch(() => undefined);
  }

  private async open(): Promise<fs.FileHandle> {
    const { handle, size } = await openRegularFile(this.file);
    if (size !== this.expectedSize) {
      await handle.close().catch(() => undefined);
      throw new DataError(this.file, `changed since it was opened (was ${this.expectedSize} bytes, now ${size}): open it again`);
    }
    return handle;
  }

  private scheduleClose(): void {
    this.timer = setTimeout(() => void this.close(), this.idleMs);
    this.timer.unref();
  }
}
