/**
 * The server-execution service and the events it emits.
 *
 * Interfaces and tokens only: nothing here imports an implementation.
 * Re-exported by `src/tokens.ts`.
 */
import type {
  INotebookCellExecutor,
  INotebookModel
} from '@jupyterlab/notebook';
import { Token } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';

import type { RequestStatus } from './backend';
import type { IExecutionBackendRegistry } from './registry';

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
