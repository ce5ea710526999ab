/**
 * "While you were away": per open notebook, what this browser last saw of
 * it is kept in storage (localStorage: written synchronously, so it
 * survives the tab being closed at any moment). When the notebook opens
 * again, or its tab reconnects, the document is compared with it; cells
 * that finished or printed meanwhile are marked until seen, and the user is
 * told once.
 */
import type { ISharedCell, ISharedNotebook } from '@jupyter/ydoc';
import { Timings } from '../timings';
import type { IUnseenCells } from '../tokens';
import {
  awayMessage,
  diffSinceSnapshot,
  hasNews,
  parseSnapshot,
  takeSnapshot,
  type IAwayTranslator,
  type INotebookSnapshot
} from './snapshot';

const STORAGE_PREFIX = '@jupyterlab-handoff/extension:seen:';

/**
 * The storage key of a notebook: its path without its drive.
 */
export function awayStorageKey(keyOrPath: string): string {
  return STORAGE_PREFIX + keyOrPath.replace(/^[^/:]+:/, '');
}

/**
 * What a watcher needs; the plugin passes the panel's parts.
 */
export interface IAwayWatcherOptions {
  /** The notebook's shared document. */
  notebook: ISharedNotebook;
  /** The in-flight key of the notebook (its path), once known. */
  key: () => string | null;
  /** Its path for messages. */
  path: () => string;
  unseen: IUnseenCells;
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  trans: IAwayTranslator;
  /** Tell the user; `first` is the cell **Show** jumps to. */
  notify: (message: string, key: string, first: string) => void;
  /** Delay before saving after a change (ms). */
  saveDelayMs?: number;
}

/**
 * Follows one open notebook.
 */
export class AwayWatcher {
  constructor(private readonly _options: IAwayWatcherOptions) {
    _options.notebook.changed.connect(this._onChange, this);
    _options.unseen.changed.connect(this._onUnseen, this);
    this.compare();
  }

  /** The storage key: the file path without its drive. */
  get storageKey(): string {
    return awayStorageKey(this._options.key() ?? this._options.path());
  }

  /** Stop saving (the connection is lost: the document is frozen). */
  pause(): void {
    this._paused = true;
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  /** Compare what we last saw with the document now, then follow it. */
  compare(): void {
    this._paused = false;
    const key = this._options.key();
    const cells = this._cells();
    if (!key || !cells) {
      return;
    }
    const snapshot = this._load();
    if (snapshot && this._compared) {
      // After the first comparison, this page knows best what the user
      // has seen: the stored list may predate a cell seen while saving
      // was paused (a reconnect, or a kernel connection replaced).
      snapshot.unseen = this._options.unseen.get(key);
    }
    this._compared = true;
    if (snapshot) {
      const diff = diffSinceSnapshot(snapshot, cells);
      this._options.unseen.mark(key, diff.marked);
      const message = awayMessage(diff, this._options.trans);
      if (message && hasNews(diff) && diff.first) {
        this._options.notify(message, key, diff.first);
      }
    }
    this.save();
  }

  /** Save what this tab sees now. */
  save(): void {
    const storage = this._options.storage;
    const cells = this._cells();
    if (this._paused || !storage || !cells) {
      return;
    }
    const key = this._options.key();
    const snapshot = takeSnapshot(cells, {
      unseen: key ? this._options.unseen.get(key) : []
    });
    try {
      storage.setItem(this.storageKey, JSON.stringify(snapshot));
    } catch {
      // Storage full or denied: the next open simply has no news.
    }
  }

  /** The notebook closed: save a last time and stop. */
  dispose(): void {
    if (this._disposed) {
      return;
    }
    this.save();
    this._disposed = true;
    this.pause();
    this._options.notebook.changed.disconnect(this._onChange, this);
    this._options.unseen.changed.disconnect(this._onUnseen, this);
  }

  private _cells(): readonly ISharedCell[] | null {
    return this._disposed ? null : this._options.notebook.cells;
  }

  private _load(): INotebookSnapshot | null {
    const storage = this._options.storage;
    return storage ? parseSnapshot(storage.getItem(this.storageKey)) : null;
  }

  private _onChange(): void {
    this._scheduleSave();
  }

  /**
   * The stored unseen list must follow what the user has seen, or a later
   * comparison would mark those cells again.
   */
  private _onUnseen(_: unknown, key: string): void {
    if (key === this._options.key()) {
      this._scheduleSave();
    }
  }

  private _scheduleSave(): void {
    if (this._paused || this._timer !== null || this._disposed) {
      return;
    }
    this._timer = setTimeout(() => {
      this._timer = null;
      this.save();
    }, this._options.saveDelayMs ?? Timings.awaySave);
  }

  private _paused = false;
  private _compared = false;
  private _disposed = false;
  private _timer: ReturnType<typeof setTimeout> | null = null;
}
