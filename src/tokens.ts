/**
 * Tokens and shared types of jupyterlab-handoff.
 */
import { Token } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';
import type { INotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import type { IExecutionBackend, RequestStatus } from './backend/types';
import type { ClientPathReason } from './executionpath';
import type { InFlightModel } from './inflight/model';
import type { UnseenCells } from './inflight/unseen';
import type { RequestMonitor } from './requestmonitor';
import type { HandoffSettingsModel } from './settings';

/**
 * A change in the life of one server-side execution submitted by this tab.
 */
export interface ISubmissionEvent {
  notebook: INotebookModel;
  cellId: string;
  kernelId: string;
  requestId: string | null;
  phase: 'submitting' | 'accepted' | 'finished';
  /** Set when `phase` is `finished`. */
  success?: boolean;
  /** With `accepted`: the request's status, when the server reported one. */
  status?: RequestStatus;
}

/**
 * A cell ran in the tab although the user asked for server-side execution.
 */
export interface IFallbackEvent {
  notebook: INotebookModel;
  path: string;
  reason: ClientPathReason;
}

/**
 * The server-side execution service shared by the plugins.
 */
export interface IServerExecution {
  /** The live settings. */
  readonly settings: HandoffSettingsModel;
  /** The backend cells are sent to. */
  readonly backend: IExecutionBackend;
  /** The per-kernel poller of requests in flight. */
  readonly monitor: RequestMonitor;
  /** This tab's own submissions. */
  readonly submissions: ISignal<IServerExecution, ISubmissionEvent>;
  /** Cells that ran in the tab instead of on the server, and why. */
  readonly fallbacks: ISignal<IServerExecution, IFallbackEvent>;
  /** Announce a change in one of this tab's submissions. */
  recordSubmission(event: ISubmissionEvent): void;
  /** Announce that a cell ran in the tab instead of on the server. */
  recordFallback(event: IFallbackEvent): void;
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
 * The executions in flight of every open notebook, shared by the indicator
 * plugins (status bar item, list, cell badges, "while you were away").
 */
export interface IInFlightExecutions {
  /** The model: states per notebook key and cell id. */
  readonly model: InFlightModel;
  /** Cells to point out until the user has seen them. */
  readonly unseen: UnseenCells;
  /** The notebooks followed, by key, as they are added. */
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
