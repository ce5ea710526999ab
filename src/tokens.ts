/**
 * The public contract of jupyterlab-handoff: interfaces and tokens only.
 *
 * Nothing here imports an implementation. A server dialect is one
 * `IExecutionBackend` (in `src/backend/`), registered through
 * `IExecutionBackendRegistry`; the executor, the in-flight model and the
 * views adapt to the capabilities it declares and never name a backend.
 */
import type { ISharedCodeCell } from '@jupyter/ydoc';
import type {
  INotebookCellExecutor,
  INotebookModel,
  NotebookPanel
} from '@jupyterlab/notebook';
import type { ServerConnection } from '@jupyterlab/services';
import { Token } from '@lumino/coreutils';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';

// ---------------------------------------------------------------------------
// The backend contract

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
}

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
  /** The stdin prompt a submission waits on, or `null`. */
  findInput?(
    kernelId: string,
    submission: ISubmission
  ): Promise<IPendingInput | null>;
  /** Answer a submission's pending stdin prompt. */
  answerInput?(
    kernelId: string,
    submission: ISubmission,
    value: string
  ): Promise<void>;
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

// ---------------------------------------------------------------------------
// Choosing the backend

/**
 * Answers about the server, asked at most once per decision (cached).
 */
export interface IServerProbe {
  /**
   * The HTTP status of a request to a path below the server's base URL, e.g.
   * `api/kernels/<k>/execute`. Rejects when the server cannot be reached.
   */
  status(path: string, method?: 'GET' | 'HEAD'): Promise<number>;
  /** The body of a GET answered 200, parsed as JSON (null otherwise). */
  json(path: string): Promise<unknown>;
  /** A JupyterLab page config option of this page. */
  pageOption(name: string): string;
  /** The kernel id the probe is about (a real one when a notebook has one). */
  readonly kernelId: string;
}

/**
 * One server dialect the registry can recognise.
 */
export interface IBackendFactory {
  /** The same as the backend's `id`. */
  readonly id: string;
  /** The server's name as users know it. */
  readonly label: string;
  /** Higher ranks are asked first (default 0). */
  readonly rank?: number;
  /**
   * What to install on a server without any execute route to get this
   * backend (e.g. the server package's name); the notice names it. Only the
   * default backend of a plain Jupyter Server sets it.
   */
  readonly installHint?: string;
  /**
   * Whether the server speaks this dialect. Only positive evidence counts:
   * something this server has and the others do not.
   */
  detect(probe: IServerProbe): Promise<boolean>;
  /**
   * The backend for this server, or `null` when the dialect is known but not
   * supported yet: then the extension steps aside on that server (its own
   * executor is left alone, ours runs nothing, the indicator says so).
   */
  create(serverSettings: ServerConnection.ISettings): IExecutionBackend | null;
}

/**
 * What the registry decided for this server.
 *
 * - `backend`: cells go to `backend`;
 * - `unsupported`: the server is known (`label`) but not supported yet;
 * - `none`: the server has no execute route (`GET .../execute` answered
 *   404): cells run in the tab; `installHint` says what would add one;
 * - `unknown`: the route exists but no registered dialect recognised it
 *   (`status` is what it answered).
 */
export type BackendDecision =
  | { kind: 'backend'; backend: IExecutionBackend }
  | { kind: 'unsupported'; id: string; label: string }
  | { kind: 'none'; installHint: string | null }
  | { kind: 'unknown'; status: number };

/**
 * Knows the server dialects and decides which one this server speaks: once
 * per page load, and again after `reset()` (the server restarted).
 */
export interface IExecutionBackendRegistry {
  /** Add a dialect; dispose to remove it. Decides again if one was made. */
  register(factory: IBackendFactory): IDisposable;
  /** The decision, once made. */
  readonly decision: BackendDecision | null;
  /** Emitted with each new decision. */
  readonly decided: ISignal<IExecutionBackendRegistry, BackendDecision>;
  /**
   * The decision, probing the server if none is made yet. Rejects with a
   * `BackendError` of kind `unreachable` when the server could not be asked;
   * the probe is then retried with backoff until it answers (`decided`).
   */
  decide(kernelId?: string): Promise<BackendDecision>;
  /** Forget the decision (the server restarted); the next `decide` probes. */
  reset(): void;
}

/**
 * The backend registry token.
 */
export const IExecutionBackendRegistry = new Token<IExecutionBackendRegistry>(
  '@jupyterlab-handoff/extension:IExecutionBackendRegistry',
  'The server dialects jupyterlab-handoff can run cells through; register a backend here.'
);

// ---------------------------------------------------------------------------
// The service and its events

/**
 * Why a cell runs in the tab instead of on the server.
 */
export type ClientPathReason =
  /** The user turned server-side execution off. */
  | 'disabled'
  /** The notebook is not a shared (Yjs) document. */
  | 'not-collaborative'
  /** The server has no execute route at all (see `IFallbackEvent.hint`). */
  | 'no-backend'
  /** The server answers, but in a dialect no registered backend speaks. */
  | 'unknown-backend'
  /** The server is known, but its backend is not supported yet. */
  | 'unsupported-backend'
  /** The server could not be reached to learn what it speaks. */
  | 'server-unreachable'
  /** The shared document never told us its id. */
  | 'no-document-id';

/**
 * A change in the life of one server-side execution submitted by this tab.
 *
 * - `submitting`: being sent (cells waiting for their turn in a tab-fed
 *   queue are not submitted yet: the document shows them `[*]`);
 * - `accepted`: the server has it (`status` when the server reported one);
 * - `finished`: over (`success` says how).
 */
export interface ISubmissionEvent {
  notebook: INotebookModel;
  cellId: string;
  kernelId: string;
  requestId: string | null;
  phase: 'submitting' | 'accepted' | 'finished';
  success?: boolean;
  status?: RequestStatus;
}

/**
 * A cell ran in the tab although the user asked for server-side execution.
 */
export interface IFallbackEvent {
  notebook: INotebookModel;
  path: string;
  reason: ClientPathReason;
  /** With `no-backend`: what to install, when known. */
  hint?: string | null;
}

/**
 * The extension's settings.
 */
export interface IHandoffSettings {
  /** Run code cells on the server when it can. */
  serverSideExecution: boolean;
  /** Show the in-flight summary in the status bar. */
  showStatusItem: boolean;
  /** Mark queued, running and stale cells with a badge by the prompt. */
  showCellBadges: boolean;
}

/**
 * The live settings, as the rest of the extension reads them.
 */
export interface IHandoffSettingsReader {
  readonly ready: Promise<void>;
  readonly current: Readonly<IHandoffSettings>;
  readonly changed: ISignal<unknown, IHandoffSettings>;
}

/**
 * The server-side execution service shared by the plugins.
 */
export interface IServerExecution {
  /** The live settings. */
  readonly settings: IHandoffSettingsReader;
  /** Which backend this server speaks. */
  readonly backends: IExecutionBackendRegistry;
  /** The cell executor (the executor plugin provides it to JupyterLab). */
  readonly executor: INotebookCellExecutor;
  /** This tab's own submissions (emitted by the executor only). */
  readonly submissions: ISignal<IServerExecution, ISubmissionEvent>;
  /** Cells that ran in the tab instead of on the server, and why. */
  readonly fallbacks: ISignal<IServerExecution, IFallbackEvent>;
  /** Turn server-side execution on or off (writes the user setting). */
  setEnabled(enabled: boolean): Promise<void>;
}

/**
 * The server-side execution service token.
 */
export const IServerExecution = new Token<IServerExecution>(
  '@jupyterlab-handoff/extension:IServerExecution',
  'Runs notebook cells on the Jupyter server and reports what it submitted.'
);

// ---------------------------------------------------------------------------
// The in-flight executions (read side)

/**
 * Where a cell's execution stands, as far as the model can tell.
 *
 * - `queued`: waiting (on the server, or in a tab's queue);
 * - `running`: running on the server (or in a tab, when the server does not
 *   list it and the kernel is busy); on a backend whose document says only
 *   `busy`, every cell the server has counts as running;
 * - `input`: waiting for stdin;
 * - `stale`: the document says running, but the server has no such
 *   execution and the kernel is idle (or gone).
 */
export type InFlightState = 'queued' | 'running' | 'input' | 'stale';

/**
 * Which fact decided the state of an entry.
 */
export type InFlightSource = 'listing' | 'submission' | 'document';

/**
 * One cell with an execution in flight (or a stale one).
 */
export interface IInFlightEntry {
  /** The notebook key (its path). */
  readonly key: string;
  readonly cellId: string;
  readonly state: InFlightState;
  /** When the model first saw the cell in this state (ms). */
  readonly since: number;
  /** When the model first saw this execution at all, in any state. */
  readonly firstSeen: number;
  /** The kernel the notebook runs on (or the request's kernel). */
  readonly kernelId: string | null;
  /** The server's id of the execution, when known. */
  readonly requestId: string | null;
  /** Whether this tab submitted it. */
  readonly ours: boolean;
  /** Which fact decided the state. */
  readonly source: InFlightSource;
}

/**
 * How many cells are in each state.
 */
export interface IInFlightCounts {
  queued: number;
  running: number;
  input: number;
  stale: number;
}

/**
 * The payload of `IInFlightModel.changed`: the notebooks whose entries changed.
 */
export interface IInFlightChange {
  keys: string[];
}

/**
 * The read side of the in-flight model, for views.
 */
export interface IInFlightModel {
  readonly changed: ISignal<unknown, IInFlightChange>;
  /** The entries of one notebook (in document order), or of all. */
  entries(key?: string): IInFlightEntry[];
  /** The entry of one cell, if it has an execution in flight or is stale. */
  entry(key: string, cellId: string): IInFlightEntry | undefined;
  /** How many cells are in each state, in one notebook or in all. */
  counts(key?: string): IInFlightCounts;
}

/**
 * Cells to point out until the user has seen them ("while you were away").
 */
export interface IUnseenCells {
  readonly changed: ISignal<unknown, string>;
  mark(key: string, cellIds: Iterable<string>): void;
  seen(key: string, cellId: string): void;
  has(key: string, cellId: string): boolean;
  get(key: string): string[];
}

/**
 * What the indicator can tell about a cell with an execution in flight.
 */
export interface ICellDescription {
  /** The notebook's name (its file name). */
  notebookName: string;
  /** The notebook's path. */
  notebookPath: string;
  /** The display name of its kernel, e.g. "Python 3 (ipykernel)". */
  kernelName: string;
  /** The cell's position in the notebook, from 0. */
  index: number;
  /** The first non-empty line of its source. */
  firstLine: string;
}

/**
 * What the indicator says about the server as a whole.
 *
 * - `checking`: the backend is not decided yet;
 * - `backend`: cells run through `label`;
 * - `unsupported`: the server (`label`) is known but not supported yet;
 * - `none`: the server cannot run cells itself.
 */
export type ServerSupport =
  | { kind: 'checking' }
  | { kind: 'backend'; label: string }
  | { kind: 'unsupported'; label: string }
  | { kind: 'none' };

/**
 * The executions in flight of every open notebook, shared by the indicator
 * plugins (status bar item, list, cell marks, "while you were away").
 */
export interface IInFlightExecutions {
  /** The model: states per notebook key and cell id. */
  readonly model: IInFlightModel;
  /** Cells to point out until the user has seen them. */
  readonly unseen: IUnseenCells;
  /** What the server supports; views show it. */
  readonly support: ServerSupport;
  /** Emitted when `support` changes. */
  readonly supportChanged: ISignal<IInFlightExecutions, ServerSupport>;
  /** The notebooks followed, as they are added. */
  readonly notebookAdded: ISignal<IInFlightExecutions, NotebookPanel>;
  /** A notebook's tab lost its connection to the server. */
  readonly disconnected: ISignal<IInFlightExecutions, NotebookPanel>;
  /** A notebook's tab reconnected to the server after losing it. */
  readonly reconnected: ISignal<IInFlightExecutions, NotebookPanel>;
  /** The model key of a notebook panel, once it is followed. */
  keyOf(panel: NotebookPanel): string | null;
  /** The panel of a notebook key (the current one if it is among them). */
  panelOf(key: string): NotebookPanel | null;
  /** Every panel of a notebook key (a notebook can be open more than once). */
  panelsOf(key: string): NotebookPanel[];
  /** The cell's notebook name, position and first line. */
  describe(key: string, cellId: string): ICellDescription | null;
  /** Reset stale cells (of one notebook, or all) in the shared document. */
  clearStale(key?: string): number;
  /** Interrupt a kernel; the server drops what was queued on it. */
  interrupt(kernelId: string): Promise<void>;
  /** Show a notebook and make the cell active. */
  jumpTo(key: string, cellId: string): Promise<boolean>;
}

/**
 * The in-flight executions token.
 */
export const IInFlightExecutions = new Token<IInFlightExecutions>(
  '@jupyterlab-handoff/extension:IInFlightExecutions',
  'The executions queued, running or waiting for input on the server, for every open notebook.'
);
