/**
 * The notebooks the in-flight model follows: one record per notebook key,
 * reference counted (a notebook open in two panels of one tab is followed
 * once), renamed with its file, and found by kernel.
 */
import type { ISharedNotebook } from '@jupyter/ydoc';
import type { INotebookRecord } from './records';

export class NotebookRecords {
  get(key: string): INotebookRecord | undefined {
    return this._records.get(key);
  }

  values(): IterableIterator<INotebookRecord> {
    return this._records.values();
  }

  /** One notebook, or all of them when `key` is undefined. */
  select(key?: string): INotebookRecord[] {
    if (key === undefined) {
      return [...this._records.values()];
    }
    const nb = this._records.get(key);
    return nb ? [nb] : [];
  }

  /** The notebooks running on a kernel. */
  on(kernelId: string): INotebookRecord[] {
    return [...this._records.values()].filter(nb => nb.kernelId === kernelId);
  }

  /** A new record for `key`, replacing any previous one. */
  create(
    key: string,
    model: ISharedNotebook,
    kernelId: string | null
  ): INotebookRecord {
    const nb: INotebookRecord = {
      key,
      model,
      kernelId,
      cells: new Map(),
      own: new Map(),
      entries: new Map(),
      refs: 1,
      onChanged: null
    };
    this._records.set(key, nb);
    return nb;
  }

  /**
   * Move a record to a new key (its file was renamed).
   *
   * @returns false when there is nothing to move, or the new key is taken.
   */
  rename(oldKey: string, newKey: string): boolean {
    const nb = this._records.get(oldKey);
    if (!nb || oldKey === newKey || this._records.has(newKey)) {
      return false;
    }
    this._records.delete(oldKey);
    nb.key = newKey;
    this._records.set(newKey, nb);
    nb.entries = new Map(
      [...nb.entries].map(([id, entry]) => [id, { ...entry, key: newKey }])
    );
    return true;
  }

  /**
   * Drop one reference to a record.
   *
   * @returns true when that was the last one and the record is gone.
   */
  release(nb: INotebookRecord): boolean {
    if (this._records.get(nb.key) !== nb) {
      return false;
    }
    nb.refs--;
    if (nb.refs > 0) {
      return false;
    }
    this._records.delete(nb.key);
    return true;
  }

  clear(): void {
    this._records.clear();
  }

  private _records = new Map<string, INotebookRecord>();
}
