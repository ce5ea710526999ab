/**
 * Choosing the backend: the server probe, backend factories and the registry that decides.
 *
 * Interfaces and tokens only: nothing here imports an implementation.
 * Re-exported by `src/tokens.ts`.
 */
import type { ServerConnection } from '@jupyterlab/services';
import { Token } from '@lumino/coreutils';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';

import type { IExecutionBackend } from './backend';

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
   * executor is left alone, ours runs nothing, the indicator says so). The
   * probe can be asked more (what the server part offers).
   */
  create(
    serverSettings: ServerConnection.ISettings,
    probe: IServerProbe
  ): IExecutionBackend | null | Promise<IExecutionBackend | null>;
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
