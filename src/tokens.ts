/**
 * Tokens and shared types of jupyterlab-handoff.
 */
import { Token } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';
import type { INotebookModel } from '@jupyterlab/notebook';
import type { IExecutionBackend } from './backend/types';
import type { ClientPathReason } from './executionpath';
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
  'jupyterlab-handoff:IServerExecution',
  'Runs notebook cells on the Jupyter server and reports what it submitted.'
);
