/**
 * One derivation per transaction of a shared document.
 *
 * Yjs tells its observers about a transaction one cell at a time: a Run All
 * marks a hundred cells in one transaction, and a server update can change
 * the state, the count and the mark of a cell together. Deriving the
 * notebook again for each of those made a Run All quadratic. While Yjs calls
 * the observers of a transaction, `changed()` only notes the change; the
 * notebook is derived once, when Yjs says the transaction is over, still
 * before the change that caused it returns.
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
   * @param flush - derive again.
   */
  constructor(
    model: unknown,
    private readonly _flush: () => void
  ) {
    this._doc = docEventsOf(model);
    this._doc?.on('beforeObserverCalls', this._begin);
    this._doc?.on('afterTransaction', this._end);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Something changed: derive now, or once the transaction is over. */
  changed(): void {
    if (this._isDisposed) {
      return;
    }
    if (this._inObservers) {
      this._pending = true;
    } else {
      this._flush();
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
    if (this._pending && !this._isDisposed) {
      this._pending = false;
      this._flush();
    }
  };

  private _doc: IDocEvents | null;
  private _inObservers = false;
  private _pending = false;
  private _isDisposed = false;
}
