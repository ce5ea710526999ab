/**
 * Cells to point out until the user has seen them ("while you were away").
 */
import { Signal, type ISignal } from '@lumino/signaling';

/**
 * Per notebook key, the ids of cells that finished or produced output while
 * the tab was not watching and that the user has not looked at yet.
 */
export class UnseenCells {
  /** Emitted with the notebook key whose marks changed. */
  get changed(): ISignal<this, string> {
    return this._changed;
  }

  /** Mark cells of a notebook. */
  mark(key: string, cellIds: Iterable<string>): void {
    const cells = this._cells.get(key) ?? new Set<string>();
    const before = cells.size;
    for (const id of cellIds) {
      cells.add(id);
    }
    this._cells.set(key, cells);
    if (cells.size !== before) {
      this._changed.emit(key);
    }
  }

  /** The user has seen a cell. */
  seen(key: string, cellId: string): void {
    if (this._cells.get(key)?.delete(cellId)) {
      this._changed.emit(key);
    }
  }

  has(key: string, cellId: string): boolean {
    return this._cells.get(key)?.has(cellId) ?? false;
  }

  /** The marked cells of a notebook. */
  get(key: string): string[] {
    return [...(this._cells.get(key) ?? [])];
  }

  /** Follow a notebook under a new key (the file was renamed). */
  rename(oldKey: string, newKey: string): void {
    const cells = this._cells.get(oldKey);
    if (cells && oldKey !== newKey) {
      this._cells.delete(oldKey);
      this._cells.set(newKey, cells);
      this._changed.emit(newKey);
    }
  }

  /** Forget a notebook (it closed). */
  forget(key: string): void {
    if (this._cells.delete(key)) {
      this._changed.emit(key);
    }
  }

  private _cells = new Map<string, Set<string>>();
  private _changed = new Signal<this, string>(this);
}
