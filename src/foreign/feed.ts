/**
 * Feeds the foreign-run tracker the in-flight model's cells: whenever the
 * entries of a notebook change, the derivation of its kernel is redone with
 * the cells the server has for that kernel (`serverCells`, with their code)
 * and the cells another frontend marks running (`documentCells`: no server
 * mark, not listed by the server, not submitted by this tab). A busy kernel
 * the tab cannot explain yet is looked at again once its grace is over.
 *
 * Plain logic with Lumino signals, no DOM. The notebooks' kernels and cell
 * sources are read through callbacks.
 */
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import type { ICellRef, IDocumentCell, IServerCell } from './derive';
import type { IBaseEntry } from './model';
import type { IKernelCells, ForeignTracker } from './tracker';

/**
 * The subset of the in-flight model read here.
 */
export interface IFeedModel {
  readonly changed: ISignal<unknown, { keys: string[] }>;
  entries(key?: string): IBaseEntry[];
}

export interface IForeignFeedOptions {
  model: IFeedModel;
  tracker: ForeignTracker;
  /** The kernel of a notebook, if it has one. */
  kernelOf: (key: string) => string | null;
  /** The open notebooks' keys. */
  keys: () => string[];
  /** A notebook's cells by id (the first of each id), to read sources. */
  cellsOf: (key: string) => ReadonlyMap<string, { readonly source: string }>;
  /** The ids of a notebook's code cells whose source is exactly `code`. */
  cellsWithCode: (key: string, code: string) => string[];
  /** Timers (tests pass fake ones). */
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

/**
 * The cells of one kernel, split as the derivation wants them.
 */
export function kernelCells(
  entries: readonly IBaseEntry[],
  sourceOf: (key: string, cellId: string) => string
): Pick<IKernelCells, 'serverCells' | 'documentCells'> {
  const serverCells: IServerCell[] = [];
  const documentCells: IDocumentCell[] = [];
  for (const entry of entries) {
    if (entry.state === 'stale') {
      continue;
    }
    const code = sourceOf(entry.key, entry.cellId);
    // Marked running in the document with nothing of the server's on it,
    // and not this tab's: another frontend runs it.
    if (
      entry.source === 'document' &&
      entry.requestId === null &&
      !entry.ours
    ) {
      documentCells.push({
        key: entry.key,
        cellId: entry.cellId,
        since: entry.firstSeen,
        code
      });
      continue;
    }
    serverCells.push({
      key: entry.key,
      cellId: entry.cellId,
      state: entry.state,
      code
    });
  }
  return { serverCells, documentCells };
}

/**
 * Keeps the tracker's view of every kernel's cells up to date.
 */
export class ForeignFeed implements IDisposable {
  constructor(options: IForeignFeedOptions) {
    this._options = options;
    this._setTimeout =
      options.setTimeout ?? ((callback, ms) => setTimeout(callback, ms));
    this._clearTimeout =
      options.clearTimeout ??
      (handle => clearTimeout(handle as ReturnType<typeof setTimeout>));
    options.model.changed.connect(this._onModel, this);
    options.tracker.activityChanged.connect(this._onActivity, this);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Derive one kernel again (its notebooks changed kernel, or its activity
   * changed and a busy spell may need a look once its grace is over).
   */
  refresh(kernelId: string): void {
    if (this._isDisposed) {
      return;
    }
    const { model, tracker, keys, kernelOf, cellsOf, cellsWithCode } =
      this._options;
    // One walk of each notebook's cells, not one per entry (a Run All
    // changes entries in every frame).
    const byKey = new Map<string, ReadonlyMap<string, { source: string }>>();
    const sourceOf = (key: string, cellId: string): string => {
      let cells = byKey.get(key);
      if (!cells) {
        cells = cellsOf(key);
        byKey.set(key, cells);
      }
      return cells.get(cellId)?.source ?? '';
    };
    const notebooks = keys().filter(key => kernelOf(key) === kernelId);
    const entries: IBaseEntry[] = [];
    for (const key of notebooks) {
      entries.push(...model.entries(key));
    }
    tracker.update(kernelId, {
      ...kernelCells(entries, sourceOf),
      cellsWithCode: (code: string): ICellRef[] => {
        const cells: ICellRef[] = [];
        for (const key of notebooks) {
          for (const cellId of cellsWithCode(key, code)) {
            cells.push({ key, cellId });
          }
        }
        return cells;
      }
    });
    this._schedule(kernelId);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._options.model.changed.disconnect(this._onModel, this);
    this._options.tracker.activityChanged.disconnect(this._onActivity, this);
    for (const handle of this._timers.values()) {
      this._clearTimeout(handle);
    }
    this._timers.clear();
  }

  private _onModel(_: unknown, change: { keys: string[] }): void {
    const kernels = new Set<string>();
    for (const key of change.keys) {
      const kernelId = this._options.kernelOf(key);
      if (kernelId) {
        kernels.add(kernelId);
      }
    }
    kernels.forEach(kernelId => this.refresh(kernelId));
  }

  private _onActivity(_: unknown, kernelId: string): void {
    // A busy spell the tracker cannot explain yet needs a look once its
    // grace is over.
    this._schedule(kernelId);
  }

  /** Look again at a kernel once its busy spell has lasted the grace. */
  private _schedule(kernelId: string): void {
    const delay = this._options.tracker.recheckIn(kernelId);
    if (delay === null || this._timers.has(kernelId)) {
      return;
    }
    this._timers.set(
      kernelId,
      this._setTimeout(() => {
        this._timers.delete(kernelId);
        this.refresh(kernelId);
      }, delay + 1)
    );
  }

  private _options: IForeignFeedOptions;
  private _setTimeout: (callback: () => void, ms: number) => unknown;
  private _clearTimeout: (handle: unknown) => void;
  private _timers = new Map<string, unknown>();
  private _isDisposed = false;
}
