/**
 * What every backend shares besides the contract in `src/tokens.ts`: the
 * error a backend raises when the server cannot be asked or answers in a way
 * we cannot use.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export type {
  CancelReason,
  ExecutionOutcome,
  IBackendCapabilities,
  ICellMark,
  IExecutionBackend,
  IInFlightRequest,
  InputAnswer,
  IPendingInput,
  ISubmission,
  ISubmitOptions,
  RequestProgress,
  RequestStatus
} from '../tokens';

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

/**
 * A request to a path below the server's base URL, with the page's settings
 * (token, XSRF, cookies). No answer at all rejects with a `BackendError` of
 * kind `unreachable`.
 */
export async function serverRequest(
  settings: ServerConnection.ISettings,
  path: string,
  init: RequestInit
): Promise<Response> {
  try {
    return await ServerConnection.makeRequest(
      URLExt.join(settings.baseUrl, path),
      init,
      settings
    );
  } catch (reason) {
    throw new BackendError('unreachable', null, (reason as Error).message);
  }
}

/** A JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A response's body as JSON: \`null\` when empty, a \`malformed\`
 * \`BackendError\` when it is not JSON.
 */
export async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BackendError('malformed', response.status, text.slice(0, 200));
  }
}

/**
 * Whether an error says the server has no such route (the listing or the
 * execute endpoint): 404 or 405.
 */
export function isMissingRoute(reason: unknown): boolean {
  return (
    reason instanceof BackendError &&
    reason.kind === 'http' &&
    (reason.status === 404 || reason.status === 405)
  );
}
