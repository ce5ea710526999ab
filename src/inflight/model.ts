/**
 * The model of server-side executions for every open notebook.
 *
 * Plain TypeScript with Lumino signals and no DOM. It merges three sources,
 * keyed by notebook key and cell id:
 *
 * - the shared document: each code cell's `execution_state`,
 *   `execution_count` and the backend's mark (`readCellMark`), which the
 *   server sets when it starts a request and removes when it ends it;
 * - the server's list of requests in flight (`listInFlight`);
 * - this tab's own submissions.
 *
 * A second browser that submitted nothing derives the same states from the
 * first two sources alone. The model never writes to the document: stale
 * cells are only flagged, and `clearStale` tells the caller which cells to
 * reset once the user asked for it.
 */
import { Timings } from '../timings';
import { CellsObserver } from './cells';
import { deriveNotebooks, deriveWithEffects, withCellsNaming } from './entries';
import { KernelLedger } from './kernels';
import { NotebookRecords } from './notebooks';
import { endKernelExecutions, endsExecutions, recordListing } from './listing';
import { applySubmission, type ISubmissionInput } from './submissions';
import {
  countEntries,
  dismissStale,
  orderedEntries,
  type ICellRecord,
  type IInFlightModelOptions,
  type INotebookRecord,
  type IStaleCell
} from './records';
import type { IDerivation, NeedReason } from './derive';
import type { ISharedCodeCell, ISharedNotebook } from '@jupyter/ydoc';
import type { IDisposable } from '@lumino/disposable';
import { Signal, type ISignal } from '@lumino/signaling';
import type {
  ICellMark,
  IInFlightChange,
  IInFlightCounts,
  IInFlightEntry,
  IInFlightModel,
  IInFlightRequest
} from '../tokens';

export type {
  IInFlightChange,
  IInFlightCounts,
  IInFlightEntry,
  InFlightSource,
  InFlightState
} from '../tokens';

export type { ISubmissionInput } from './submissions';

export type { IInFlightModelOptions, IStaleCell } from './records';

/**
 * The model of server-side executions of every open notebook.
 */
export class InFlightModel implements IInFlightModel, IDisposable {
  constructor(options: IInFlightModelOptions = {}) {
    this._now = options.now ?? Date.now;
    this._grace = options.staleGraceMs ?? Timings.staleGrace;
    this._ledger = new KernelLedger(this._grace);
    this._readMark = options.readMark ?? (() => null);
  }

  /**
   * Read the backend's marks again with a new reader (the backend was
   * decided after the notebooks opened).
   */
  resync(readMark: (cell: ISharedCodeCell) => ICellMark | null): void {
    this._readMark = readMark;
    for (const nb of this._notebooks.values()) {
      for (const rec of nb.cells.values()) {
        this._cells.onCellChanged(nb, rec);
      }
    }
    this._update(this._notebooks.values(), 'document');
  }

  /**
   * Emitted after the entries of one or more notebooks changed.
   */
  get changed(): ISignal<this, IInFlightChange> {
    return this._changed;
  }

  /**
   * Emitted with a kernel id when a fresh listing of that kernel would settle
   * a cell's state (a cell another tab marked running, a possible stale cell,
   * after an interrupt or a restart). The plugin should call
   * `listInFlight` and then `applyListing`, debounced by about a second.
   */
  get listingNeeded(): ISignal<this, string> {
    return this._listingNeeded;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Start following a notebook (call once its document is synced).
   *
   * Adding the same key with the same shared model again is reference
   * counted; a different model replaces the previous one.
   *
   * @returns a disposable that stops following it (the notebook closed).
   */
  addNotebook(
    key: string,
    sharedModel: ISharedNotebook,
    kernelId: string | null = null
  ): IDisposable {
    this._checkDisposed();
    let nb = this._notebooks.get(key);
    if (nb && nb.model === sharedModel) {
      nb.refs++;
      if (kernelId !== null && nb.kernelId === null) {
        this.setKernel(key, kernelId);
      }
    } else {
      if (nb) {
        this._cells.detach(nb);
      }
      const record = this._notebooks.create(key, sharedModel, kernelId);
      this._cells.attach(record);
      this._update([record], 'document');
      nb = record;
    }
    const record = nb;
    let disposed = false;
    return {
      get isDisposed() {
        return disposed;
      },
      dispose: () => {
        if (disposed) {
          return;
        }
        disposed = true;
        this._release(record);
      }
    };
  }

  /**
   * Follow a notebook under a new key (the file was renamed).
   */
  renameNotebook(oldKey: string, newKey: string): void {
    if (this._notebooks.rename(oldKey, newKey)) {
      this._changed.emit({ keys: [oldKey, newKey] });
    }
  }

  /**
   * Set the kernel a notebook runs on (`null` when it has none).
   *
   * Cells the document marks running on the previous kernel cannot be
   * running on the new one: they become stale once the new kernel is idle.
   */
  setKernel(key: string, kernelId: string | null): void {
    const nb = this._notebooks.get(key);
    if (!nb || nb.kernelId === kernelId) {
      return;
    }
    const previous = nb.kernelId;
    if (previous !== null) {
      this._cells.orphan(nb, 'kernel-changed');
    }
    nb.kernelId = kernelId;
    this._update([nb], 'kernel');
  }

  /**
   * Record a kernel status (`Kernel.Status`). `restarting`,
   * `autorestarting` and `dead` end every execution of that kernel.
   */
  setKernelStatus(kernelId: string, status: string): void {
    const kernel = this._ledger.kernel(kernelId);
    const previous = kernel.status;
    if (previous === status) {
      return;
    }
    kernel.status = status;
    if (endsExecutions(status)) {
      endKernelExecutions(
        this._ledger,
        this._cells,
        kernelId,
        status,
        this._notebooks.on(kernelId)
      );
    }
    const needs = this._update(this._notebooks.on(kernelId), 'kernel');
    if (status === 'idle' && previous !== 'idle' && needs.has(kernelId)) {
      this._listingNeeded.emit(kernelId);
    }
  }

  /**
   * This tab interrupted a kernel. The server drops every queued request
   * (the interrupt ends the running one with an error), so queued cells stop
   * counting until a listing says otherwise.
   */
  interrupted(kernelId: string): void {
    const kernel = this._ledger.kernel(kernelId);
    kernel.listing = null;
    for (const nb of this._notebooks.on(kernelId)) {
      this._cells.orphan(nb, 'interrupt');
    }
    this._update(this._notebooks.on(kernelId), 'kernel');
    this._listingNeeded.emit(kernelId);
  }

  /**
   * Apply the server's list of requests in flight for a kernel (read by the
   * listing poller).
   * Requests are matched to cells by `cellId`.
   */
  applyListing(kernelId: string, requests: readonly IInFlightRequest[]): void {
    const notebooks = this._notebooks.on(kernelId);
    recordListing(this._ledger, kernelId, requests, this._now(), notebooks);
    const needs = this._update(notebooks, 'listing');
    if (needs.get(kernelId)?.has('grace')) {
      this._listingNeeded.emit(kernelId);
    }
  }

  /**
   * The requests of a kernel that wait on a stdin prompt now (found by
   * `src/stdin/prompts.ts` for every running request, whoever submitted
   * it): their cells show `input` instead of `running`.
   */
  applyPrompts(kernelId: string, requestIds: Iterable<string>): void {
    const kernel = this._ledger.kernel(kernelId);
    const next = new Set(requestIds);
    if (
      next.size === kernel.prompted.size &&
      [...next].every(id => kernel.prompted.has(id))
    ) {
      return;
    }
    kernel.prompted = next;
    this._update(this._notebooks.on(kernelId), 'listing');
  }

  /**
   * Apply a change in one of this tab's submissions.
   */
  applySubmission(event: ISubmissionInput): void {
    const nb = this._notebooks.get(event.key);
    if (!nb) {
      if (event.phase === 'finished' && event.requestId) {
        this._ledger.end(event.requestId);
      }
      return;
    }
    applySubmission(nb, event, this._now(), {
      end: requestId => this._ledger.end(requestId),
      newRun: rec => this._cells.resetFlags(rec)
    });
    // Only its cell's facts change (and those of cells naming a request it
    // ends): a Run All sends four events per cell.
    this._update([nb], 'submission', new Set([event.cellId]));
  }

  /**
   * The user asked to clear stale cells (of one notebook, or all).
   *
   * The model stops flagging them until their document state changes, and
   * returns them: the caller must reset them in the document (set
   * `executionState` to `idle` and clear the backend's mark). The model
   * itself never writes to the document.
   */
  clearStale(key?: string): IStaleCell[] {
    const notebooks = this._notebooks.select(key);
    const cleared = dismissStale(notebooks);
    this._update(notebooks, 'user');
    return cleared;
  }

  /**
   * The entries of one notebook (in document order), or of all notebooks.
   */
  entries(key?: string): IInFlightEntry[] {
    return orderedEntries(this._notebooks.select(key));
  }

  /**
   * The entry of one cell, if it has an execution in flight or is stale.
   */
  entry(key: string, cellId: string): IInFlightEntry | undefined {
    return this._notebooks.get(key)?.entries.get(cellId);
  }

  /**
   * How many cells are in each state, in one notebook or in all.
   */
  counts(key?: string): IInFlightCounts {
    return countEntries(this._notebooks.select(key));
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    for (const nb of this._notebooks.values()) {
      this._cells.detach(nb);
    }
    this._notebooks.clear();
    this._ledger.clear();
    Signal.clearData(this);
  }

  // ---------------------------------------------------------------------
  // Derivation

  /**
   * Recompute the entries of some notebooks and emit `changed`.
   *
   * @param only - the cells whose facts changed (with those naming a
   * request ended since), if the caller knows.
   * @returns per kernel, why a fresh listing would settle a cell: only time
   * (the grace delay) is missing, or something else.
   */
  private _update(
    notebooks: Iterable<INotebookRecord>,
    cause: 'document' | 'listing' | 'submission' | 'kernel' | 'user',
    only?: ReadonlySet<string>
  ): Map<string, Set<NeedReason>> {
    const list = [...notebooks];
    const ended = this._ledger.takeNewlyEnded();
    const cells = only && withCellsNaming(only, ended, list, this._ledger);
    const { changedKeys, needs } = deriveNotebooks(
      list,
      this._now(),
      (nb, rec) => this._derive(nb, rec),
      cells
    );
    if (changedKeys.length) {
      this._changed.emit({ keys: changedKeys });
    }
    // A document change, or the end of one of this tab's runs (a cell it
    // stops speaking for may rest on a listing read before the end).
    if (cause === 'document' || cause === 'submission') {
      for (const kernelId of needs.keys()) {
        this._listingNeeded.emit(kernelId);
      }
    }
    return needs;
  }

  private _derive(nb: INotebookRecord, rec: ICellRecord): IDerivation {
    return deriveWithEffects(nb, rec, {
      ledger: this._ledger,
      cells: this._cells,
      grace: this._grace,
      sharing: this._sharing(nb),
      prompted: this._ledger.get(nb.kernelId)?.prompted
    });
  }

  /** The notebooks on the same kernel as `nb`. */
  private _sharing(nb: INotebookRecord): INotebookRecord[] {
    return nb.kernelId === null ? [nb] : this._notebooks.on(nb.kernelId);
  }

  private _release(nb: INotebookRecord): void {
    if (this._notebooks.release(nb)) {
      this._cells.detach(nb);
      if (nb.entries.size) {
        this._changed.emit({ keys: [nb.key] });
      }
    }
  }

  private _checkDisposed(): void {
    if (this._isDisposed) {
      throw new Error('InFlightModel is disposed');
    }
  }

  private _ledger: KernelLedger;
  private _cells: CellsObserver = new CellsObserver({
    now: () => this._now(),
    readMark: cell => this._readMark(cell),
    end: requestId => this._ledger.end(requestId),
    isEnded: requestId => this._ledger.isEnded(requestId),
    changed: (nb, cells) => this._update([nb], 'document', cells ?? undefined)
  });
  private _now: () => number;
  private _grace: number;
  private _readMark: (cell: ISharedCodeCell) => ICellMark | null;
  private _notebooks = new NotebookRecords();
  private _isDisposed = false;
  private _changed = new Signal<this, IInFlightChange>(this);
  private _listingNeeded = new Signal<this, string>(this);
}
