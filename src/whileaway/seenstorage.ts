/**
 * The seen store behind the `Storage`-like interface the "while you were
 * away" watcher reads and writes synchronously.
 *
 * `preload` reads what the user saw of a notebook across browsers (async:
 * the state database) before the watcher compares; `getItem` then answers
 * from it, and `setItem` hands each snapshot to the store, which writes
 * this browser's record to localStorage at once and to the state database
 * in the background.
 */
import type { INotebookSnapshot } from './snapshot';
import { LEGACY_LOCAL_PREFIX, type SeenStore } from './seenstore';

export class SeenStorage {
  /**
   * @param prefix - what the watcher puts before a notebook's path in its
   *   storage keys.
   */
  constructor(
    private readonly _store: Pick<SeenStore, 'read' | 'write'>,
    private readonly _prefix = LEGACY_LOCAL_PREFIX
  ) {}

  /**
   * Read a notebook's merged snapshot for the next `getItem` of its key.
   * Never rejects: an unreadable store means no news.
   */
  async preload(key: string): Promise<void> {
    const path = this._path(key);
    if (path === null) {
      return;
    }
    try {
      const snapshot = await this._store.read(path);
      this._cache.set(key, snapshot ? JSON.stringify(snapshot) : null);
    } catch (reason) {
      console.warn('Could not read what was seen of', path, reason);
      this._cache.set(key, null);
    }
  }

  getItem(key: string): string | null {
    return this._cache.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    const path = this._path(key);
    if (path === null) {
      return;
    }
    this._cache.set(key, value);
    let snapshot: INotebookSnapshot;
    try {
      snapshot = JSON.parse(value);
    } catch {
      return;
    }
    this._store.write(path, snapshot).catch(reason => {
      console.warn('Could not save what was seen of', path, reason);
    });
  }

  private _path(key: string): string | null {
    return key.startsWith(this._prefix) ? key.slice(this._prefix.length) : null;
  }

  private _cache = new Map<string, string | null>();
}
