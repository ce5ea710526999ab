/**
 * Observing the shared cells of followed notebooks: each code cell's
 * execution fields and the backend's mark, through moves (a move deletes
 * and re-inserts a cell with the same id in one transaction, and the copy
 * loses `execution_state`) and deletes.
 */
import type {
  CellChange,
  ISharedCell,
  ISharedCodeCell,
  ISharedNotebook,
  NotebookChange
} from '@jupyter/ydoc';
import type { ICellMark } from '../tokens';
import type { ICellRecord, INotebookRecord } from './records';
import { TransactionBatch } from './transactions';

/**
 * What the observer needs from the model.
 */
export interface ICellsHost {
  now(): number;
  readMark(cell: ISharedCodeCell): ICellMark | null;
  /** A request is over (its mark went away or changed). */
  end(requestId: string): void;
  isEnded(requestId: string): boolean;
  /**
   * Cells' execution fields changed: derive them again (`null`: every cell
   * of the notebook, whose list of cells changed).
   */
  changed(nb: INotebookRecord, cells: ReadonlySet<string> | null): void;
}

/**
 * Keep the records in the document's order (after a move), so the model
 * lists entries in that order without reading the document.
 */
function inOrder(
  records: Map<string, ICellRecord>,
  present: Map<string, ISharedCodeCell>
): void {
  const ids = [...records.keys()];
  let i = 0;
  let same = true;
  for (const id of present.keys()) {
    same = same && ids[i++] === id;
  }
  if (same) {
    return;
  }
  const ordered = [...present.keys()].map(id => records.get(id)!);
  records.clear();
  for (const rec of ordered) {
    records.set(rec.id, rec);
  }
}

export class CellsObserver {
  constructor(private readonly _host: ICellsHost) {}

  /**
   * Follow a notebook's cells: added, moved and deleted cells, and each
   * code cell's execution fields, derived once per transaction.
   */
  attach(nb: INotebookRecord): void {
    const batch = new TransactionBatch(nb.model, cells =>
      this._host.changed(nb, cells)
    );
    this._batches.set(nb, batch);
    nb.onChanged = (_: ISharedNotebook, change: NotebookChange) => {
      if (change.cellsChange) {
        this.sync(nb, false);
        batch.changed();
      }
    };
    nb.model.changed.connect(nb.onChanged);
    this.sync(nb, true);
  }

  /**
   * Bring the cell records in line with the document's cells, keyed by id.
   * A move deletes and re-inserts a cell with the same id in one
   * transaction, and the copy loses `execution_state`: such a cell keeps its
   * record and state.
   */
  sync(nb: INotebookRecord, initial: boolean): void {
    const present = new Map<string, ISharedCodeCell>();
    for (const cell of nb.model.cells) {
      if (cell.cell_type === 'code' && !present.has(cell.getId())) {
        present.set(cell.getId(), cell as ISharedCodeCell);
      }
    }
    for (const [id, rec] of [...nb.cells]) {
      if (!present.has(id)) {
        // Deleted (or no longer a code cell): whatever ran there is gone.
        this.disconnect(rec);
        nb.cells.delete(id);
        nb.own.delete(id);
      }
    }
    const now = this._host.now();
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
        this.read(created);
        this.connect(nb, created);
        nb.cells.set(id, created);
      } else if (rec.cell !== cell) {
        // Moved (or replaced in one transaction): same execution.
        this.disconnect(rec);
        rec.cell = cell;
        const wasRunning = rec.stateRunning || rec.carried;
        const previousRequest = rec.serverRequestId;
        this.read(rec);
        rec.carried = wasRunning && !rec.stateRunning;
        if (previousRequest !== rec.serverRequestId) {
          if (previousRequest !== null) {
            this._host.end(previousRequest);
          }
          rec.serverSince = now;
        }
        this.connect(nb, rec);
      }
    }
    inOrder(nb.cells, present);
  }

  connect(nb: INotebookRecord, rec: ICellRecord): void {
    rec.onChanged = (_: ISharedCell, change: CellChange) => {
      if (
        change.executionStateChange ||
        change.executionCountChange ||
        change.metadataChange
      ) {
        if (this.onCellChanged(nb, rec)) {
          this._changed(nb, rec.id);
        }
      }
    };
    rec.cell.changed.connect(rec.onChanged);
  }

  disconnect(rec: ICellRecord): void {
    if (rec.onChanged) {
      rec.cell.changed.disconnect(rec.onChanged);
      rec.onChanged = null;
    }
  }

  /**
   * Read a cell's execution fields from the document into its record.
   */
  read(rec: ICellRecord): void {
    const cell = rec.cell;
    const state = cell.executionState as string;
    rec.busy = state === 'busy';
    rec.stateRunning = state === 'running' || rec.busy;
    const count = cell.execution_count;
    rec.count = typeof count === 'number' ? count : null;
    const mark = this._host.readMark(cell);
    rec.serverRequestId = mark?.requestId ?? null;
    rec.serverKernelId = mark?.kernelId ?? null;
  }

  /**
   * A cell's execution fields may have changed in the document.
   *
   * @returns whether they did.
   */
  onCellChanged(nb: INotebookRecord, rec: ICellRecord): boolean {
    const before = {
      busy: rec.busy,
      stateRunning: rec.stateRunning,
      count: rec.count,
      serverRequestId: rec.serverRequestId,
      active: this.isActive(nb, rec)
    };
    this.read(rec);
    if (
      before.stateRunning === rec.stateRunning &&
      before.busy === rec.busy &&
      before.count === rec.count &&
      before.serverRequestId === rec.serverRequestId
    ) {
      return false;
    }
    const now = this._host.now();
    if (before.serverRequestId !== rec.serverRequestId) {
      if (before.serverRequestId !== null) {
        // The server deletes its metadata when the request ends.
        this._host.end(before.serverRequestId);
      }
      rec.serverSince = now;
    }
    this.resetFlags(rec);
    const own = nb.own.get(rec.id);
    if (own?.settling) {
      // The executor wrote its verdict; the document now says it all.
      nb.own.delete(rec.id);
    }
    const started =
      (!before.stateRunning && rec.stateRunning) ||
      (rec.serverRequestId !== null &&
        before.serverRequestId !== rec.serverRequestId);
    if (this.isActive(nb, rec) && (!before.active || started)) {
      rec.activeSince = now;
      rec.initial = false;
    }
    return true;
  }

  resetFlags(rec: ICellRecord): void {
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
  isActive(nb: INotebookRecord, rec: ICellRecord): boolean {
    if (rec.stateRunning || rec.carried) {
      return true;
    }
    return (
      rec.serverRequestId !== null &&
      rec.count === null &&
      rec.serverKernelId !== null &&
      rec.serverKernelId === nb.kernelId &&
      !this._host.isEnded(rec.serverRequestId)
    );
  }

  detach(nb: INotebookRecord): void {
    this._batches.get(nb)?.dispose();
    this._batches.delete(nb);
    if (nb.onChanged) {
      nb.model.changed.disconnect(nb.onChanged);
      nb.onChanged = null;
    }
    for (const rec of nb.cells.values()) {
      this.disconnect(rec);
    }
  }

  /**
   * The kernel of a notebook restarted, died, was interrupted or replaced:
   * mark what can no longer be running on it.
   *
   * After a restart or an interrupt the server may still hold queued
   * requests, so such cells wait for a listing ('soft'); after a death or a
   * change of kernel nothing can finish them ('hard').
   */
  orphan(
    nb: INotebookRecord,
    reason: 'restart' | 'dead' | 'interrupt' | 'kernel-changed'
  ): void {
    const now = this._host.now();
    for (const rec of nb.cells.values()) {
      if (reason === 'interrupt' && this.serverRequest(nb, rec) !== null) {
        // Started on the server: the interrupt ends it through the
        // document, as any run.
        continue;
      }
      if (reason !== 'interrupt' && rec.serverRequestId !== null) {
        this._host.end(rec.serverRequestId);
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
  serverRequest(nb: INotebookRecord, rec: ICellRecord): string | null {
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

  private _changed(nb: INotebookRecord, cellId: string): void {
    const batch = this._batches.get(nb);
    if (batch) {
      batch.changed(cellId);
    } else {
      this._host.changed(nb, new Set([cellId]));
    }
  }

  private _batches = new Map<INotebookRecord, TransactionBatch>();
}
