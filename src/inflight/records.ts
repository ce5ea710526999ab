/**
 * The records the in-flight model keeps per notebook, cell, submission and
 * kernel, and the model's reads over them (entries, counts, stale cells).
 */
import type {
  CellChange,
  ISharedCell,
  ISharedCodeCell,
  ISharedNotebook,
  NotebookChange
} from '@jupyter/ydoc';
import type {
  ICellMark,
  IInFlightCounts,
  IInFlightEntry,
  IInFlightRequest,
  RequestStatus
} from '../tokens';
import type { NeedReason } from './derive';

export interface ICellRecord {
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
  /**
   * Why a fresh listing would settle it, as of its last derivation (cells
   * are derived only when their facts change).
   */
  need?: NeedReason | null;
}

export interface IOwnSubmission {
  kernelId: string;
  requestId: string | null;
  /** The status this tab's poll last read, if it reported one. */
  status: RequestStatus | null;
  at: number;
  /** The executor is about to settle it: show nothing until it does. */
  settling: boolean;
  finished: boolean;
}

export interface INotebookRecord {
  key: string;
  model: ISharedNotebook;
  kernelId: string | null;
  cells: Map<string, ICellRecord>;
  own: Map<string, IOwnSubmission>;
  entries: Map<string, IInFlightEntry>;
  refs: number;
  onChanged: ((model: ISharedNotebook, change: NotebookChange) => void) | null;
}

export interface IKernelRecord {
  status: string;
  /** The last listing, by cell id; `null` when none is valid. */
  listing: Map<string, IInFlightRequest[]> | null;
  listedAt: number;
  idleAtListing: boolean;
  /** The requests that wait on a stdin prompt now. */
  prompted: Set<string>;
}

export const RANK: Record<RequestStatus, number> = {
  queued: 1,
  running: 2,
  input: 3
};

/** How many ended request ids to remember. */
export const MAX_ENDED = 5000;

export function sameEntries(
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
export function stripDrive(path: string): string {
  return path.replace(/^[^/:]+:/, '').replace(/^\/+/, '');
}

/**
 * A stale cell the caller must reset in the document.
 */
export interface IStaleCell {
  key: string;
  cellId: string;
}

/**
 * The entries of some notebooks, each in document order.
 */
export function orderedEntries(
  notebooks: readonly INotebookRecord[]
): IInFlightEntry[] {
  const result: IInFlightEntry[] = [];
  for (const nb of notebooks) {
    // The records are in document order (`CellsObserver.sync`): the views
    // read this in every frame of a Run All, without reading the document.
    for (const id of nb.cells.keys()) {
      const entry = nb.entries.get(id);
      if (entry) {
        result.push(entry);
      }
    }
  }
  return result;
}

/**
 * How many cells of some notebooks are in each state.
 */
export function countEntries(
  notebooks: readonly INotebookRecord[]
): IInFlightCounts {
  const counts: IInFlightCounts = { queued: 0, running: 0, input: 0, stale: 0 };
  for (const nb of notebooks) {
    for (const entry of nb.entries.values()) {
      counts[entry.state]++;
    }
  }
  return counts;
}

/**
 * Stop flagging the stale cells of some notebooks (until their document
 * state changes) and return them.
 */
export function dismissStale(
  notebooks: readonly INotebookRecord[]
): IStaleCell[] {
  const cleared: IStaleCell[] = [];
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
  return cleared;
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
