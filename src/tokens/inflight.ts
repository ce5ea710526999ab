/**
 * The in-flight executions (read side) for the views.
 *
 * Interfaces and tokens only: nothing here imports an implementation.
 * Re-exported by `src/tokens.ts`.
 */
import type { NotebookPanel } from '@jupyterlab/notebook';
import { Token } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';

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
  /**
   * Another client (not this extension's server runs, not this tab) runs
   * it on the kernel. Only in `IInFlightExecutions.withForeign`.
   */
  readonly foreign?: boolean;
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
 * A run on a kernel that another client sent (another frontend, a script,
 * a terminal): not this tab's, not the execution server's.
 */
export interface IForeignRunInfo {
  readonly kernelId: string;
  /** When the tab first knew of it (ms). */
  readonly since: number;
  /** Its cell, when the document or its code tells which one. */
  readonly cell: { readonly key: string; readonly cellId: string } | null;
  /** Its code, when the kernel echoed it. */
  readonly code: string | null;
}

/**
 * The in-flight model with other clients' runs applied, for views: a
 * foreign run's cell is an entry with `foreign: true`, a cell of ours
 * waiting behind it is `queued`, and `counts` leaves foreign runs out.
 */
export interface IInFlightView extends IInFlightModel {
  /** The foreign runs on a notebook's kernel, or on every kernel. */
  foreignRuns(key?: string): IForeignRunInfo[];
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
  /** The model with runs of other clients on the kernels applied. */
  readonly withForeign: IInFlightView;
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
