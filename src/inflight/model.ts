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
import {
  confirms,
  deriveCell,
  type IDerivation,
  type NeedReason
} from './derive';
import type {
  CellChange,
  ISharedCell,
  ISharedCodeCell,
  ISharedNotebook,
  NotebookChange
} from '@jupyter/ydoc';
import type { IDisposable } from '@lumino/disposable';
import { Signal, type ISignal } from '@lumino/signaling';
import type {
  ICellMark,
  IInFlightChange,
  IInFlightCounts,
  IInFlightEntry,
  IInFlightModel,
  IInFlightRequest,
  RequestStatus
} from '../tokens';

export type {
  IInFlightChange,
  IInFlightCounts,
  IInFlightEntry,
  InFlightSource,
  InFlightState
} from '../tokens';

/**
 * A change in one of this tab's submissions, keyed by notebook key (the
 * plugin maps `ISubmissionEvent.notebook` to its key).
 */
export interface ISubmissionInput {
  key: string;
  cellId: string;
  kernelId: string;
  requestId: string | null;
  phase: 'waiting' | 'submitting' | 'accepted' | 'finished';
  /**
   * With `accepted`: the request's status as this tab's poll of it last
   * read it (the server's listing does not report stdin prompts).
   */
  status?: RequestStatus;
}

/**
 * A stale cell the caller must reset in the document.
 */
export interface IStaleCell {
  key: string;
  cellId: string;
}

export interface IInFlightModelOptions {
  /**
   * The backend's mark on a running cell (`IExecutionBackend.readCellMark`);
   * none by default. Call `resync()` when it changes.
   */
  readMark?: (cell: ISharedCodeCell) => ICellMark | null;
  /** The clock, in ms; `Date.now` by default. */
  now?: () => number;
  /**
   * A listing only proves that a cell the document marks running is not on
   * the server if it was read at least this long after the model saw the
   * cell start (the listing may have been requested before the submitting
   * tab posted). Default 1000 ms.
   */
  staleGraceMs?: number;
}

/**
 * The model of server-side executions of every open notebook.
 */
export class InFlightModel implements IInFlightModel, IDisposable {
  constructor(options: IInFlightModelOptions = {}) {
    this._now = options.now ?? Date.now;
    this._grace = options.staleGraceMs ?? Timings.staleGrace;
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
        this._onCellChanged(nb, rec);
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
        this._detach(nb);
      }
      nb = {
        key,
        model: sharedModel,
        kernelId,
        cells: new Map(),
        own: new Map(),
        entries: new Map(),
        refs: 1,
        onChanged: null
      };
      const record = nb;
      record.onChanged = (_: ISharedNotebook, change: NotebookChange) => {
        if (change.cellsChange) {
          this._syncCells(record, false);
          this._update([record], 'document');
        }
      };
      sharedModel.changed.connect(record.onChanged);
      this._notebooks.set(key, record);
      this._syncCells(record, true);
      this._update([record], 'document');
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
    const nb = this._notebooks.get(oldKey);
    if (!nb || oldKey === newKey || this._notebooks.has(newKey)) {
      return;
    }
    this._notebooks.delete(oldKey);
    nb.key = newKey;
    this._notebooks.set(newKey, nb);
    nb.entries = new Map(
      [...nb.entries].map(([id, entry]) => [id, { ...entry, key: newKey }])
    );
    this._changed.emit({ keys: [oldKey, newKey] });
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
      this._orphan(nb, 'kernel-changed');
    }
    nb.kernelId = kernelId;
    this._update([nb], 'kernel');
  }

  /**
   * Record a kernel status (`Kernel.Status`). `restarting`,
   * `autorestarting` and `dead` end every execution of that kernel.
   */
  setKernelStatus(kernelId: string, status: string): void {
    const kernel = this._kernel(kernelId);
    const previous = kernel.status;
    if (previous === status) {
      return;
    }
    kernel.status = status;
    if (
      status === 'restarting' ||
      status === 'autorestarting' ||
      status === 'dead'
    ) {
      for (const requests of kernel.listing?.values() ?? []) {
        for (const request of requests) {
          if (request.status !== 'queued') {
            // A server may keep listing a request lost in a restart.
            this._end(request.requestId);
          }
        }
      }
      kernel.listing = null;
      for (const nb of this._notebooksOn(kernelId)) {
        this._orphan(nb, status === 'dead' ? 'dead' : 'restart');
      }
    }
    const needs = this._update(this._notebooksOn(kernelId), 'kernel');
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
    const kernel = this._kernel(kernelId);
    kernel.listing = null;
    for (const nb of this._notebooksOn(kernelId)) {
      this._orphan(nb, 'interrupt');
    }
    this._update(this._notebooksOn(kernelId), 'kernel');
    this._listingNeeded.emit(kernelId);
  }

  /**
   * Apply the server's list of requests in flight for a kernel (the
   * `RequestMonitor.listed` payload, or a listing read on open/reconnect).
   * Requests are matched to cells by `cellId`.
   */
  applyListing(kernelId: string, requests: readonly IInFlightRequest[]): void {
    const kernel = this._kernel(kernelId);
    const now = this._now();
    const byCell = new Map<string, IInFlightRequest[]>();
    const listedIds = new Set<string>();
    for (const request of requests) {
      listedIds.add(request.requestId);
      if (!request.cellId || this._ended.has(request.requestId)) {
        continue;
      }
      const list = byCell.get(request.cellId) ?? [];
      list.push(request);
      byCell.set(request.cellId, list);
    }
    kernel.listing = byCell;
    kernel.listedAt = now;
    kernel.idleAtListing = kernel.status === 'idle';
    const notebooks = this._notebooksOn(kernelId);
    for (const nb of notebooks) {
      for (const [cellId, own] of [...nb.own]) {
        if (own.settling || own.finished) {
          // The executor had its chance: the document and this listing rule.
          nb.own.delete(cellId);
        }
      }
      for (const rec of nb.cells.values()) {
        const request = rec.serverRequestId;
        if (
          request !== null &&
          !listedIds.has(request) &&
          this._confirms(kernel, rec.serverSince, rec.initial)
        ) {
          // Started (we saw its metadata) and no longer listed: over.
          this._end(request);
        }
        if (
          rec.carried &&
          !byCell.has(rec.id) &&
          this._confirms(kernel, rec.activeSince, rec.initial)
        ) {
          // A moved cell lost its running state; the run is now over.
          rec.carried = false;
        }
      }
    }
    const needs = this._update(notebooks, 'listing');
    if (needs.get(kernelId)?.has('grace')) {
      this._listingNeeded.emit(kernelId);
    }
  }

  /**
   * Apply a change in one of this tab's submissions.
   */
  applySubmission(event: ISubmissionInput): void {
    const nb = this._notebooks.get(event.key);
    if (!nb) {
      if (event.phase === 'finished' && event.requestId) {
        this._end(event.requestId);
      }
      return;
    }
    const now = this._now();
    const own = nb.own.get(event.cellId);
    switch (event.phase) {
      case 'waiting':
      case 'submitting':
      case 'accepted': {
        if (
          event.phase !== 'accepted' ||
          !own ||
          own.finished ||
          (own.requestId !== null && own.requestId !== event.requestId)
        ) {
          nb.own.set(event.cellId, {
            kernelId: event.kernelId,
            requestId: event.requestId,
            status: event.status ?? null,
            at: now,
            settling: false,
            finished: false
          });
          const rec = nb.cells.get(event.cellId);
          if (rec) {
            // A new run: whatever we flagged about the previous one is moot.
            this._resetFlags(rec);
            rec.activeSince = now;
            rec.initial = false;
          }
        } else {
          own.requestId = event.requestId;
          own.kernelId = event.kernelId;
          own.status = event.status ?? own.status;
        }
        break;
      }
      case 'finished': {
        if (event.requestId) {
          this._end(event.requestId);
        }
        if (
          own &&
          (own.requestId === null ||
            event.requestId === null ||
            own.requestId === event.requestId)
        ) {
          // Hidden until the executor's own write to the cell, or the next
          // listing, so a cell it is about to reset never flashes as stale.
          own.finished = true;
          own.settling = true;
        }
        break;
      }
    }
    this._update([nb], 'submission');
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
    const cleared: IStaleCell[] = [];
    const notebooks = this._select(key);
    for (const nb of notebooks) {
      for (const entry of nb.entries.values()) {
        if (entry.state !== 'stale') {
          continue;
        }
        const rec = nb.cells.get(entry.cellId);
        if (rec) {
          rec.stale = false;
          rec.dismissed = true;
          cleared.push({ key: nb.key, cellId: entry.cellId });
        }
      }
    }
    this._update(notebooks, 'user');
    return cleared;
  }

  /**
   * The entries of one notebook (in document order), or of all notebooks.
   */
  entries(key?: string): IInFlightEntry[] {
    const result: IInFlightEntry[] = [];
    for (const nb of this._select(key)) {
      for (const cell of nb.model.cells) {
        const entry = nb.entries.get(cell.getId());
        if (entry) {
          result.push(entry);
        }
      }
    }
    return result;
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
    const counts: IInFlightCounts = {
      queued: 0,
      running: 0,
      input: 0,
      stale: 0
    };
    for (const nb of this._select(key)) {
      for (const entry of nb.entries.values()) {
        counts[entry.state]++;
      }
    }
    return counts;
  }

  /**
   * The keys of the notebooks followed.
   */
  notebooks(): string[] {
    return [...this._notebooks.keys()];
  }

  /**
   * The kernel a notebook runs on, as last set.
   */
  kernelOf(key: string): string | null {
    return this._notebooks.get(key)?.kernelId ?? null;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    for (const nb of this._notebooks.values()) {
      this._detach(nb);
    }
    this._notebooks.clear();
    this._kernels.clear();
    Signal.clearData(this);
  }

  // ---------------------------------------------------------------------
  // Document tracking

  /**
   * Bring the cell records in line with the document's cells, keyed by id.
   * A move deletes and re-inserts a cell with the same id in one
   * transaction, and the copy loses `execution_state`: such a cell keeps its
   * record and state.
   */
  private _syncCells(nb: INotebookRecord, initial: boolean): void {
    const present = new Map<string, ISharedCodeCell>();
    for (const cell of nb.model.cells) {
      if (cell.cell_type === 'code' && !present.has(cell.getId())) {
        present.set(cell.getId(), cell as ISharedCodeCell);
      }
    }
    for (const [id, rec] of [...nb.cells]) {
      if (!present.has(id)) {
        // Deleted (or no longer a code cell): whatever ran there is gone.
        this._disconnect(rec);
        nb.cells.delete(id);
        nb.own.delete(id);
      }
    }
    const now = this._now();
    for (const [id, cell] of present) {
      const rec = nb.cells.get(id);
      if (!rec) {
        const created: ICellRecord = {
          id,
          cell,
          onChanged: null,
          stateRunning: false,
          busy: false,
          carried: false,
          count: null,
          serverRequestId: null,
          serverKernelId: null,
          serverSince: now,
          activeSince: now,
          initial,
          orphaned: null,
          orphanedAt: now,
          dismissed: false,
          stale: false
        };
        this._read(created);
        this._connect(nb, created);
        nb.cells.set(id, created);
      } else if (rec.cell !== cell) {
        // Moved (or replaced in one transaction): same execution.
        this._disconnect(rec);
        rec.cell = cell;
        const wasRunning = rec.stateRunning || rec.carried;
        const previousRequest = rec.serverRequestId;
        this._read(rec);
        rec.carried = wasRunning && !rec.stateRunning;
        if (previousRequest !== rec.serverRequestId) {
          if (previousRequest !== null) {
            this._end(previousRequest);
          }
          rec.serverSince = now;
        }
        this._connect(nb, rec);
      }
    }
  }

  private _connect(nb: INotebookRecord, rec: ICellRecord): void {
    rec.onChanged = (_: ISharedCell, change: CellChange) => {
      if (
        change.executionStateChange ||
        change.executionCountChange ||
        change.metadataChange
      ) {
        if (this._onCellChanged(nb, rec)) {
          this._update([nb], 'document');
        }
      }
    };
    rec.cell.changed.connect(rec.onChanged);
  }

  private _disconnect(rec: ICellRecord): void {
    if (rec.onChanged) {
      rec.cell.changed.disconnect(rec.onChanged);
      rec.onChanged = null;
    }
  }

  /**
   * Read a cell's execution fields from the document into its record.
   */
  private _read(rec: ICellRecord): void {
    const cell = rec.cell;
    const state = cell.executionState as string;
    rec.busy = state === 'busy';
    rec.stateRunning = state === 'running' || rec.busy;
    const count = cell.execution_count;
    rec.count = typeof count === 'number' ? count : null;
    const mark = this._readMark(cell);
    rec.serverRequestId = mark?.requestId ?? null;
    rec.serverKernelId = mark?.kernelId ?? null;
  }

  /**
   * A cell's execution fields may have changed in the document.
   *
   * @returns whether they did.
   */
  private _onCellChanged(nb: INotebookRecord, rec: ICellRecord): boolean {
    const before = {
      busy: rec.busy,
      stateRunning: rec.stateRunning,
      count: rec.count,
      serverRequestId: rec.serverRequestId,
      active: this._isActive(nb, rec)
    };
    this._read(rec);
    if (
      before.stateRunning === rec.stateRunning &&
      before.busy === rec.busy &&
      before.count === rec.count &&
      before.serverRequestId === rec.serverRequestId
    ) {
      return false;
    }
    const now = this._now();
    if (before.serverRequestId !== rec.serverRequestId) {
      if (before.serverRequestId !== null) {
        // The server deletes its metadata when the request ends.
        this._end(before.serverRequestId);
      }
      rec.serverSince = now;
    }
    this._resetFlags(rec);
    const own = nb.own.get(rec.id);
    if (own?.settling) {
      // The executor wrote its verdict; the document now says it all.
      nb.own.delete(rec.id);
    }
    const started =
      (!before.stateRunning && rec.stateRunning) ||
      (rec.serverRequestId !== null &&
        before.serverRequestId !== rec.serverRequestId);
    if (this._isActive(nb, rec) && (!before.active || started)) {
      rec.activeSince = now;
      rec.initial = false;
    }
    return true;
  }

  private _resetFlags(rec: ICellRecord): void {
    rec.carried = false;
    rec.orphaned = null;
    rec.dismissed = false;
    rec.stale = false;
  }

  /**
   * Whether the document says the cell has an execution in flight: it is
   * marked running (or was, before a move), or the server started a request
   * on this kernel that has neither ended nor been given a count.
   */
  private _isActive(nb: INotebookRecord, rec: ICellRecord): boolean {
    if (rec.stateRunning || rec.carried) {
      return true;
    }
    return (
      rec.serverRequestId !== null &&
      rec.count === null &&
      rec.serverKernelId !== null &&
      rec.serverKernelId === nb.kernelId &&
      !this._ended.has(rec.serverRequestId)
    );
  }

  /**
   * The kernel of a notebook restarted, died, was interrupted or replaced:
   * mark what can no longer be running on it.
   *
   * After a restart or an interrupt the server may still hold queued
   * requests, so such cells wait for a listing ('soft'); after a death or a
   * change of kernel nothing can finish them ('hard').
   */
  private _orphan(
    nb: INotebookRecord,
    reason: 'restart' | 'dead' | 'interrupt' | 'kernel-changed'
  ): void {
    const now = this._now();
    for (const rec of nb.cells.values()) {
      if (reason === 'interrupt' && this._serverRequest(nb, rec) !== null) {
        // Started on the server: the interrupt ends it through the
        // document, as any run.
        continue;
      }
      if (reason !== 'interrupt' && rec.serverRequestId !== null) {
        this._end(rec.serverRequestId);
      }
      if (rec.carried && !rec.stateRunning) {
        rec.carried = false;
      } else if (rec.stateRunning) {
        rec.orphaned =
          reason === 'restart' || reason === 'interrupt' ? 'soft' : 'hard';
        rec.orphanedAt = now;
        rec.stale = false;
      }
    }
    for (const [cellId, own] of nb.own) {
      const rec = nb.cells.get(cellId);
      const started =
        rec !== undefined &&
        own.requestId !== null &&
        rec.serverRequestId === own.requestId;
      if (reason !== 'interrupt' || !started) {
        // This tab's executor settles it soon (it stops or is cancelled).
        own.settling = true;
      }
    }
  }

  /**
   * The request the server's metadata names, if it is about this kernel.
   */
  private _serverRequest(nb: INotebookRecord, rec: ICellRecord): string | null {
    if (
      rec.serverRequestId === null ||
      (nb.kernelId !== null &&
        rec.serverKernelId !== null &&
        rec.serverKernelId !== nb.kernelId)
    ) {
      return null;
    }
    return rec.serverRequestId;
  }

  // ---------------------------------------------------------------------
  // Derivation

  /**
   * Recompute the entries of some notebooks and emit `changed`.
   *
   * @returns per kernel, why a fresh listing would settle a cell: only time
   * (the grace delay) is missing, or something else.
   */
  private _update(
    notebooks: Iterable<INotebookRecord>,
    cause: 'document' | 'listing' | 'submission' | 'kernel' | 'user'
  ): Map<string, Set<NeedReason>> {
    const needs = new Map<string, Set<NeedReason>>();
    const changedKeys: string[] = [];
    const now = this._now();
    for (const nb of notebooks) {
      const next = new Map<string, IInFlightEntry>();
      for (const rec of nb.cells.values()) {
        const derived = this._derive(nb, rec);
        if (derived.need && nb.kernelId !== null) {
          const reasons = needs.get(nb.kernelId) ?? new Set<NeedReason>();
          reasons.add(derived.need);
          needs.set(nb.kernelId, reasons);
        }
        if (!derived.state) {
          continue;
        }
        const old = nb.entries.get(rec.id);
        const kernelId = derived.kernelId ?? nb.kernelId;
        if (
          old &&
          old.state === derived.state &&
          old.requestId === derived.requestId &&
          old.ours === derived.ours &&
          old.source === derived.source &&
          old.kernelId === kernelId
        ) {
          next.set(rec.id, old);
        } else {
          next.set(rec.id, {
            key: nb.key,
            cellId: rec.id,
            state: derived.state,
            since: old && old.state === derived.state ? old.since : now,
            firstSeen: old ? old.firstSeen : now,
            kernelId,
            requestId: derived.requestId,
            ours: derived.ours,
            source: derived.source
          });
        }
      }
      if (!sameEntries(nb.entries, next)) {
        changedKeys.push(nb.key);
      }
      nb.entries = next;
    }
    if (changedKeys.length) {
      this._changed.emit({ keys: changedKeys });
    }
    if (cause === 'document') {
      for (const kernelId of needs.keys()) {
        this._listingNeeded.emit(kernelId);
      }
    }
    return needs;
  }

  /**
   * The state of one cell: gather the facts, derive (`derive.ts`), apply
   * the effects the derivation asks for.
   */
  private _derive(nb: INotebookRecord, rec: ICellRecord): IDerivation {
    const kernel =
      nb.kernelId !== null ? this._kernels.get(nb.kernelId) : undefined;
    const serverRequest = this._serverRequest(nb, rec);
    const own = nb.own.get(rec.id);
    const listed = this._listed(nb, rec.id, kernel);
    const derived = deriveCell({
      doc: {
        active: this._isActive(nb, rec),
        stateRunning: rec.stateRunning,
        busy: rec.busy,
        carried: rec.carried,
        serverRequest,
        serverRequestEnded:
          serverRequest !== null && this._ended.has(serverRequest),
        serverSince: rec.serverSince,
        activeSince: rec.activeSince,
        initial: rec.initial,
        orphaned: rec.orphaned,
        orphanedAt: rec.orphanedAt,
        dismissed: rec.dismissed,
        stale: rec.stale
      },
      own: own && {
        ...own,
        ended: !!own.requestId && this._ended.has(own.requestId)
      },
      kernel: kernel && {
        status: kernel.status,
        hasListing: kernel.listing !== null,
        listedAt: kernel.listedAt,
        idleAtListing: kernel.idleAtListing,
        listed,
        ownListed:
          !!listed &&
          own?.requestId !== null &&
          own !== undefined &&
          this._listedRequests(nb, rec.id, kernel).some(
            request => request.requestId === own.requestId
          )
      },
      hasKernel: nb.kernelId !== null,
      grace: this._grace
    });
    if (derived.settleOwn && own) {
      // The document showed its end before the executor reported it.
      own.finished = true;
      own.settling = true;
    }
    if (derived.stale) {
      // Sticky until the cell's document state changes or the user clears.
      rec.stale = true;
    }
    return derived;
  }

  private _confirms(
    kernel: IKernelRecord,
    since: number,
    initial: boolean
  ): boolean {
    return confirms(
      { hasListing: kernel.listing !== null, listedAt: kernel.listedAt },
      since,
      initial,
      this._grace
    );
  }

  /**
   * The requests the kernel's listing has for a cell of this notebook.
   */
  private _listedRequests(
    nb: INotebookRecord,
    cellId: string,
    kernel: IKernelRecord | undefined
  ): IInFlightRequest[] {
    const requests = (kernel?.listing?.get(cellId) ?? []).filter(
      request => !this._ended.has(request.requestId)
    );
    if (requests.length === 0 || nb.kernelId === null) {
      return requests;
    }
    const sharing = this._notebooksOn(nb.kernelId).filter(other =>
      other.cells.has(cellId)
    );
    if (sharing.length < 2) {
      return requests;
    }
    // Copies of a notebook share cell ids: tell them apart by path.
    return requests.filter(
      request =>
        request.documentPath === null ||
        stripDrive(request.documentPath) === stripDrive(nb.key)
    );
  }

  private _listed(
    nb: INotebookRecord,
    cellId: string,
    kernel: IKernelRecord | undefined
  ): IInFlightRequest | undefined {
    let best: IInFlightRequest | undefined;
    for (const request of this._listedRequests(nb, cellId, kernel)) {
      if (!best || RANK[request.status] > RANK[best.status]) {
        best = request;
      }
    }
    return best;
  }

  // ---------------------------------------------------------------------
  // Bookkeeping

  private _end(requestId: string): void {
    if (this._ended.has(requestId)) {
      return;
    }
    this._ended.add(requestId);
    if (this._ended.size > MAX_ENDED) {
      const oldest = this._ended.values().next().value;
      if (oldest !== undefined) {
        this._ended.delete(oldest);
      }
    }
  }

  private _kernel(kernelId: string): IKernelRecord {
    let kernel = this._kernels.get(kernelId);
    if (!kernel) {
      kernel = {
        status: 'unknown',
        listing: null,
        listedAt: 0,
        idleAtListing: false
      };
      this._kernels.set(kernelId, kernel);
    }
    return kernel;
  }

  private _notebooksOn(kernelId: string): INotebookRecord[] {
    return [...this._notebooks.values()].filter(nb => nb.kernelId === kernelId);
  }

  private _select(key?: string): INotebookRecord[] {
    if (key === undefined) {
      return [...this._notebooks.values()];
    }
    const nb = this._notebooks.get(key);
    return nb ? [nb] : [];
  }

  private _release(nb: INotebookRecord): void {
    if (this._notebooks.get(nb.key) !== nb) {
      return;
    }
    nb.refs--;
    if (nb.refs > 0) {
      return;
    }
    this._detach(nb);
    this._notebooks.delete(nb.key);
    if (nb.entries.size) {
      this._changed.emit({ keys: [nb.key] });
    }
  }

  private _detach(nb: INotebookRecord): void {
    if (nb.onChanged) {
      nb.model.changed.disconnect(nb.onChanged);
      nb.onChanged = null;
    }
    for (const rec of nb.cells.values()) {
      this._disconnect(rec);
    }
  }

  private _checkDisposed(): void {
    if (this._isDisposed) {
      throw new Error('InFlightModel is disposed');
    }
  }

  private _now: () => number;
  private _grace: number;
  private _readMark: (cell: ISharedCodeCell) => ICellMark | null;
  private _notebooks = new Map<string, INotebookRecord>();
  private _kernels = new Map<string, IKernelRecord>();
  private _ended = new Set<string>();
  private _isDisposed = false;
  private _changed = new Signal<this, IInFlightChange>(this);
  private _listingNeeded = new Signal<this, string>(this);
}

interface ICellRecord {
  id: string;
  cell: ISharedCodeCell;
  onChanged: ((cell: ISharedCell, change: CellChange) => void) | null;
  /** `execution_state` is `running` or `busy` in the document. */
  stateRunning: boolean;
  /** `execution_state` is `busy` (a backend whose document says only busy). */
  busy: boolean;
  /** Running only because a move dropped `execution_state`. */
  carried: boolean;
  count: number | null;
  /** The backend's mark: the server started this request. */
  serverRequestId: string | null;
  serverKernelId: string | null;
  /** When the server's metadata last changed. */
  serverSince: number;
  /** When the cell last became active in the document. */
  activeSince: number;
  /** Active before the model watched it (seen when the notebook opened). */
  initial: boolean;
  /** Its kernel restarted or was interrupted ('soft'), died or was replaced ('hard'). */
  orphaned: 'soft' | 'hard' | null;
  orphanedAt: number;
  /** The user cleared it as stale. */
  dismissed: boolean;
  /** Flagged stale; sticky until its document state changes. */
  stale: boolean;
}

interface IOwnSubmission {
  kernelId: string;
  requestId: string | null;
  /** The status this tab's poll last read, if it reported one. */
  status: RequestStatus | null;
  at: number;
  /** The executor is about to settle it: show nothing until it does. */
  settling: boolean;
  finished: boolean;
}

interface INotebookRecord {
  key: string;
  model: ISharedNotebook;
  kernelId: string | null;
  cells: Map<string, ICellRecord>;
  own: Map<string, IOwnSubmission>;
  entries: Map<string, IInFlightEntry>;
  refs: number;
  onChanged: ((model: ISharedNotebook, change: NotebookChange) => void) | null;
}

interface IKernelRecord {
  status: string;
  /** The last listing, by cell id; `null` when none is valid. */
  listing: Map<string, IInFlightRequest[]> | null;
  listedAt: number;
  idleAtListing: boolean;
}

const RANK: Record<RequestStatus, number> = { queued: 1, running: 2, input: 3 };

/** How many ended request ids to remember. */
const MAX_ENDED = 5000;

function sameEntries(
  a: Map<string, IInFlightEntry>,
  b: Map<string, IInFlightEntry>
): boolean {
  if (a.size !== b.size) {
    return false;
  }
  for (const [id, entry] of a) {
    if (b.get(id) !== entry) {
      return false;
    }
  }
  return true;
}

/**
 * `RTC:dir/nb.ipynb` and `dir/nb.ipynb` name the same file.
 */
function stripDrive(path: string): string {
  return path.replace(/^[^/:]+:/, '').replace(/^\/+/, '');
}
