/**
 * The contract between the executor and a server that runs cells for us.
 *
 * Each server dialect (jupyter-server-nbmodel today, jupyverse later) is one
 * implementation of `IExecutionBackend`; the executor never sees HTTP.
 */

/**
 * Where an execution request stands on the server.
 */
export type RequestStatus = 'queued' | 'running' | 'input';

/**
 * What the executor sends to the server for one cell.
 */
export interface ISubmitOptions {
  kernelId: string;
  code: string;
  cellId: string;
  documentId: string;
  /**
   * Sent only when the id alone is ambiguous to readers of the listing
   * (null: not sent, which spares the server a path lookup per cell).
   */
  documentPath: string | null;
  recordTiming: boolean;
}

/**
 * The server accepted the request and queued it.
 */
export interface ISubmission {
  requestId: string;
  /** Path relative to the server base URL, e.g. `api/kernels/<k>/requests/<r>`. */
  requestPath: string;
}

/**
 * The terminal state of a request as reported by the server.
 */
export type ExecutionOutcome =
  /** The kernel replied; `status` is the execute_reply status. */
  | {
      kind: 'reply';
      status: 'ok' | 'error' | 'aborted';
      executionCount: number | null;
      outputs: unknown[];
    }
  /** The server dropped the request before running it. */
  | { kind: 'cancelled'; reason: CancelReason; message: string }
  /** The server failed to run the request. */
  | { kind: 'failed'; message: string }
  /** The result was already read by another client (nbmodel hands it out once). */
  | { kind: 'consumed' };

/**
 * Why a queued request never ran.
 */
export type CancelReason = 'previous-failed' | 'superseded' | 'cancelled';

/**
 * One reading of a request's progress.
 */
export type RequestProgress =
  | { done: false; status: RequestStatus }
  | { done: true; outcome: ExecutionOutcome };

/**
 * A request the server is still working on, as listed by the server.
 */
export interface IInFlightRequest {
  requestId: string;
  kernelId: string;
  cellId: string | null;
  documentPath: string | null;
  status: RequestStatus;
}

/**
 * A server-side execution backend.
 */
export interface IExecutionBackend {
  /** A short name for logs and messages. */
  readonly name: string;

  /**
   * Whether the server offers this backend.
   *
   * @returns `true` when the routes exist, `false` when the server answers
   * that they do not. Network failures reject, so callers can retry later.
   */
  isAvailable(kernelId: string): Promise<boolean>;

  /**
   * Queue one cell for execution; resolves once the server accepted it.
   */
  submit(options: ISubmitOptions): Promise<ISubmission>;

  /**
   * Read the progress of a request once.
   */
  check(kernelId: string, submission: ISubmission): Promise<RequestProgress>;

  /**
   * List the requests the server is working on for a kernel.
   */
  listInFlight(kernelId: string): Promise<IInFlightRequest[]>;
}

/**
 * What went wrong talking to the server.
 *
 * - `unreachable`: no answer (network down, server stopped);
 * - `http`: an unexpected status code;
 * - `malformed`: an answer we could not read.
 */
export type BackendErrorKind = 'unreachable' | 'http' | 'malformed';

/**
 * The server could not be asked, or answered in a way we cannot use.
 *
 * `detail` is the server's own words, shown verbatim to the user inside a
 * translated sentence.
 */
export class BackendError extends Error {
  constructor(
    readonly kind: BackendErrorKind,
    readonly status: number | null,
    readonly detail: string
  ) {
    super(`${kind}${status === null ? '' : ` ${status}`}: ${detail}`);
    this.name = 'BackendError';
    Object.setPrototypeOf(this, BackendError.prototype);
  }
}
