/**
 * The records the in-flight model keeps per notebook, cell, submission and
 * kernel.
 */
import type {
  CellChange,
  ISharedCell,
  ISharedCodeCell,
  ISharedNotebook,
  NotebookChange
} from '@jupyter/ydoc';
import type {
  IInFlightEntry,
  IInFlightRequest,
  RequestStatus
} from '../tokens';

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
