/**
 * The backend contract: what one server dialect (an `IExecutionBackend` in `src/backend/`) offers, and how a run ends.
 *
 * Interfaces and tokens only: nothing here imports an implementation.
 * Re-exported by `src/tokens.ts`.
 */
import type { ISharedCodeCell } from '@jupyter/ydoc';

/**
 * Where an execution stands on the server, when the server can tell.
 */
export type RequestStatus = 'queued' | 'running' | 'input';

/**
 * What a backend can do, declared once. Everything outside the backend's own
 * file reads these instead of assuming one server's behaviour.
 */
export interface IBackendCapabilities {
  /**
   * Each submission gets an id the server knows it by (`ISubmission.requestId`
   * is a string). Without ids, `requestId` is `null` and only the document
   * tells how a run goes.
   */
  readonly submissionIds: boolean;
  /**
   * Who holds the queue of cells run together (Run All, quick Shift+Enter):
   *
   * - `server`: every cell is submitted at once, in order; the server runs
   *   them one after the other, and the queue survives closing the tab;
   * - `tab`: the tab submits the next cell only once the previous one is over
   *   (the server has no queue we can rely on, or breaks with one). Cells
   *   still waiting are lost if the tab closes.
   */
  readonly queue: 'server' | 'tab';
  /**
   * The server lists what it is working on, per kernel (`listInFlight`):
   * queued, running and, if it knows, waiting for input.
   */
  readonly listing: boolean;
  /**
   * What a shared cell's `execution_state` says while the server has it:
   *
   * - `running`: `running` (a cell the tab marked in advance also shows
   *   `running`; the backend's cell marks or its listing tell them apart);
   * - `busy`: the server writes `busy` from submission to the end, with no
   *   queued state of its own. `running` in the document then means a tab
   *   marked the cell and has not submitted it yet.
   */
  readonly documentState: 'running' | 'busy';
  /**
   * How `input()` in a server-side run is answered:
   *
   * - `none`: it cannot be (the kernel raises, or the prompt is lost);
   * - `request`: a pending prompt can be found per submission and answered
   *   (`findInput`, `answerInput`), from any tab.
   */
  readonly input: 'none' | 'request';
  /** Several cells can be submitted in one request (`submitBatch`). */
  readonly batch: boolean;
  /**
   * The server keeps each run's final result (reply status, count and every
   * output) for `check`, so the submitting tab can repair a document that
   * missed updates. Without it, the document alone is the result.
   */
  readonly finalResult: boolean;
  /**
   * Who writes the note in a cell whose run a kernel restart or death cut
   * short (`src/execution/cutshort.ts`):
   *
   * - `server`: the server (our server part), at the restart's start or as
   *   soon as it finds the kernel dead, with or without a tab open; the run
   *   then ends with that note as its result. Tabs write nothing;
   * - `tab`: the tab that submitted the run, when it hears the kernel go.
   */
  readonly kernelNotes: 'server' | 'tab';
}

/**
 * What the executor sends for one cell.
 */
export interface ISubmitOptions {
  kernelId: string;
  /** The source as the tab has it (a backend may read the document instead). */
  code: string;
  cellId: string;
  /** The shared document's id, `json:notebook:<file id>`. */
  documentId: string;
  /**
   * The notebook's path, sent only when the id alone is ambiguous to readers
   * of a listing (null: not sent).
   */
  documentPath: string | null;
  recordTiming: boolean;
}

/**
 * The server accepted one cell. A backend may return a subtype carrying its
 * own wire details (a poll path); only the backend reads them.
 */
export interface ISubmission {
  /** The server's id for it; `null` when the backend has no ids. */
  readonly requestId: string | null;
}

/**
 * The terminal state of a submission as the backend reports it.
 */
export type ExecutionOutcome =
  /** The kernel replied; `status` is the execute_reply status. */
  | {
      kind: 'reply';
      status: 'ok' | 'error' | 'aborted';
      executionCount: number | null;
      outputs: unknown[];
    }
  /** The server dropped the submission before running it. */
  | { kind: 'cancelled'; reason: CancelReason; message: string }
  /** The server failed to run it. */
  | { kind: 'failed'; message: string }
  /** The result was already read by another client, or never kept. */
  | { kind: 'consumed' };

/**
 * Why a queued submission never ran.
 */
export type CancelReason = 'previous-failed' | 'superseded' | 'cancelled';

/**
 * One reading of a submission's progress (`check`).
 */
export type RequestProgress =
  | { done: false; status: RequestStatus }
  | { done: true; outcome: ExecutionOutcome };

/**
 * One execution the server lists as in flight (`listInFlight`).
 */
export interface IInFlightRequest {
  requestId: string;
  kernelId: string;
  cellId: string | null;
  documentPath: string | null;
  status: RequestStatus;
}

/**
 * A mark a backend leaves in a shared cell while it runs it (e.g. the
 * request id in the cell's metadata). Read through `readCellMark`.
 */
export interface ICellMark {
  /** The submission the server is running in this cell. */
  requestId: string;
  /** The kernel it runs on, when the mark says. */
  kernelId: string | null;
}

/**
 * A stdin prompt a server-side run is waiting on.
 */
export interface IPendingInput {
  prompt: string;
  password: boolean;
  /**
   * This very prompt, when the backend can tell prompts apart: a later
   * prompt of the same run has another id, so an answer meant for this one
   * never answers the next.
   */
  id?: string;
}

/**
 * What became of an answer: `late` when the prompt was no longer pending
 * (another tab answered first, or the run ended).
 */
export type InputAnswer = 'answered' | 'late';

/**
 * A server that runs cells for us and writes their outputs, count and state
 * into the shared document.
 *
 * Optional methods exist exactly when the matching capability is declared:
 * `check` with `submissionIds`, `listInFlight` with `listing`, `submitBatch`
 * with `batch`, `findInput`/`answerInput` with `input: 'request'`.
 * `readCellMark`/`clearCellMark` exist when the server marks running cells.
 *
 * Network failures reject with a `BackendError` of kind `unreachable`; an
 * unexpected answer with kind `http` or `malformed`.
 */
export interface IExecutionBackend {
  /** A stable id, e.g. the server package's name (logs, tests). */
  readonly id: string;
  /** The name shown to users (status item tooltip, notices). */
  readonly label: string;
  readonly capabilities: IBackendCapabilities;
  /** Queue one cell; resolves once the server accepted it. */
  submit(options: ISubmitOptions): Promise<ISubmission>;
  /** Queue several cells in one request, in order. */
  submitBatch?(options: ISubmitOptions[]): Promise<ISubmission[]>;
  /** Read a submission's progress once. */
  check?(kernelId: string, submission: ISubmission): Promise<RequestProgress>;
  /**
   * List what the server works on for a kernel. A `BackendError` of kind
   * `http` with status 404 or 405 means the server has no listing: callers
   * stop asking.
   */
  listInFlight?(kernelId: string): Promise<IInFlightRequest[]>;
  /** The backend's mark on a shared cell it is running, if any. */
  readCellMark?(cell: ISharedCodeCell): ICellMark | null;
  /** Remove the backend's mark (the user cleared a stale cell). */
  clearCellMark?(cell: ISharedCodeCell): void;
  /**
   * The stdin prompt a submission waits on, or `null`. Any tab may ask:
   * `submission` may be one this tab made, or `{requestId}` from the
   * listing or the backend's cell mark (another tab's run).
   */
  findInput?(
    kernelId: string,
    submission: ISubmission
  ): Promise<IPendingInput | null>;
  /**
   * Answer the stdin prompt `pending` (as `findInput` gave it) of a
   * submission (`{requestId}` suffices, as for `findInput`). The first
   * answer wins; a later one resolves `late`.
   */
  answerInput?(
    kernelId: string,
    submission: ISubmission,
    pending: IPendingInput,
    value: string
  ): Promise<InputAnswer>;
}

// ---------------------------------------------------------------------------
// "This run is over"

/**
 * The one definition of a finished run, shared by the executor, divergence
 * repair, the in-flight model and the "while you were away" comparison:
 *
 * A run is over when, **after the submission**, the shared document writes
 * the cell back to idle with an execution count (`execution_state` becomes
 * `idle` and `execution_count` is not null, in one update or several). The
 * write is observed; count values are never compared (servers do not reset
 * the count at the start of a run, and after a kernel restart the same count
 * comes back). `src/completion.ts` implements it.
 */
export interface IRunEnd {
  /** The count the document shows at the end (null if it showed none). */
  executionCount: number | null;
}
