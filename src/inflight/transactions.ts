/**
 * One derivation per transaction of a shared document.
 *
 * Yjs tells its observers about a transaction one cell at a time: a Run All
 * marks a hundred cells in one transaction, and a server update can change
 * the state, the count and the mark of a cell together. Deriving the
 * notebook again for each of those made a Run All quadratic. While Yjs calls
 * the observers of a transaction, `changed()` only notes the change; the
 * notebook is derived once, when Yjs says the transaction is over, still
 * before the change that caused it returns. The batch also collects which
 * cells changed, so only those are derived again.
 */
import type { IDisposable } from '@lumino/disposable';

/** The events of a `Y.Doc` this uses (lib0's `Observable`). */
interface IDocEvents {
  on(name: string, handler: () => void): void;
  off(name: string, handler: () => void): void;
}

function docEventsOf(model: unknown): IDocEvents | null {
  const ydoc = (model as { ydoc?: unknown } | null)?.ydoc as
    Partial<IDocEvents> | undefined;
  return typeof ydoc?.on === 'function' && typeof ydoc.off === 'function'
    ? (ydoc as IDocEvents)
    : null;
}

export class TransactionBatch implements IDisposable {
  /**
   * @param model - a shared model (with its `ydoc`); without one every
   * change is flushed at once.
   * @param flush - derive again: the cells that changed, or every cell
   * (`null`, the notebook's cells themselves changed).
   */
  constructor(
    model: unknown,
    private readonly _flush: (cells: ReadonlySet<string> | null) => void
  ) {
    this._doc = docEventsOf(model);
    this._doc?.on('beforeObserverCalls', this._begin);
    this._doc?.on('afterTransaction', this._end);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * A cell changed (without `cellId`: the list of cells did): derive now,
   * or once the transaction is over.
   */
  changed(cellId?: string): void {
    if (this._isDisposed) {
      return;
    }
    if (!this._inObservers) {
      this._flush(cellId === undefined ? null : new Set([cellId]));
      return;
    }
    if (cellId === undefined) {
      this._pending = 'all';
    } else if (this._pending !== 'all') {
      this._pending ??= new Set();
      this._pending.add(cellId);
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._doc?.off('beforeObserverCalls', this._begin);
    this._doc?.off('afterTransaction', this._end);
  }

  private _begin = (): void => {
    this._inObservers = true;
  };

  private _end = (): void => {
    this._inObservers = false;
    const pending = this._pending;
    this._pending = null;
    if (pending !== null && !this._isDisposed) {
      this._flush(pending === 'all' ? null : pending);
    }
  };

  private _doc: IDocEvents | null;
  private _inObservers = false;
  private _pending: Set<string> | 'all' | null = null;
  private _isDisposed = false;
}
