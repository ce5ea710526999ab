/**
 * The jupyter-server-nbmodel dialect of server-side execution.
 *
 * `POST api/kernels/<k>/execute` takes the code and answers 202 with a poll
 * URL; `GET api/kernels/<k>/requests/<r>` answers 202 while pending, 300 on
 * input, 200 with the reply and 500 when the server dropped or failed the
 * request; a final result is handed out once, then 404.
 * `GET api/kernels/<k>/execute` lists the requests in flight (200 for any
 * kernel id), which is also how the server is recognised.
 *
 * While it runs a request, nbmodel sets the cell's `jupyter_server_nbmodel`
 * metadata to `{requestId, kernelId}` and deletes it at the end.
 */
import type { ISharedCodeCell } from '@jupyter/ydoc';
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { IBackendFactory, ICellMark, IServerProbe } from '../tokens';
import { answerServerPrompt, readServerPrompt } from './nbmodelinput';
import {
  BackendError,
  type CancelReason,
  type ExecutionOutcome,
  type IBackendCapabilities,
  type IExecutionBackend,
  type IInFlightRequest,
  type InputAnswer,
  type IPendingInput,
  type ISubmission,
  type ISubmitOptions,
  type RequestProgress,
  type RequestStatus,
  serverRequest,
  isObject,
  readJson
} from './types';

/**
 * The cell metadata key jupyter-server-nbmodel sets while it runs a request.
 */
export const NBMODEL_METADATA_KEY = 'jupyter_server_nbmodel';

/**
 * A submission to nbmodel: its request id and where to poll it.
 */
export interface INbmodelSubmission extends ISubmission {
  readonly requestId: string;
  /** Path relative to the server base URL, e.g. `api/kernels/<k>/requests/<r>`. */
  readonly requestPath: string;
}

/**
 * What nbmodel can do (0.2.9): ids, a server-side queue that survives the
 * tab, a listing, `running` in the document, final results kept once.
 * stdin prompts are reported (`check` reads 300), and found and answered
 * from any tab through our server part (`nbmodelinput.ts`), first answer
 * wins; without it, `findInput` rejects with a 404 `BackendError`.
 * A kernel restart or death ends the running cell with a note written by
 * our server part, at once and with no tab open (`kernelNotes`).
 */
export const NBMODEL_CAPABILITIES: IBackendCapabilities = Object.freeze({
  submissionIds: true,
  queue: 'server',
  listing: true,
  documentState: 'running',
  input: 'request',
  batch: false,
  finalResult: true,
  // Our server part (jupyterlab_handoff/kernelcuts.py), when it says so.
  kernelNotes: 'server'
});

/**
 * Executes cells through jupyter-server-nbmodel.
 */
export class NbmodelBackend implements IExecutionBackend {
  readonly id = 'jupyter-server-nbmodel';
  readonly label = 'jupyter-server-nbmodel';
  constructor(
    private readonly _serverSettings: ServerConnection.ISettings,
    readonly capabilities: IBackendCapabilities = NBMODEL_CAPABILITIES
  ) {}

  readCellMark(cell: ISharedCodeCell): ICellMark | null {
    const meta = cell.getMetadata(NBMODEL_METADATA_KEY) as
      { requestId?: unknown; kernelId?: unknown } | undefined;
    if (!meta || typeof meta.requestId !== 'string') {
      return null;
    }
    return {
      requestId: meta.requestId,
      kernelId: typeof meta.kernelId === 'string' ? meta.kernelId : null
    };
  }

  clearCellMark(cell: ISharedCodeCell): void {
    cell.deleteMetadata(NBMODEL_METADATA_KEY);
  }

  async submit(options: ISubmitOptions): Promise<INbmodelSubmission> {
    const response = await this._request(this._executePath(options.kernelId), {
      method: 'POST',
      body: JSON.stringify({
        code: options.code,
        metadata: {
          cell_id: options.cellId,
          document_id: options.documentId,
          ...(options.documentPath !== null && {
            document_path: options.documentPath
          }),
          record_timing: options.recordTiming
        }
      })
    });
    if (response.status !== 202) {
      throw await errorFrom(response);
    }
    const body = await readJson(response);
    const requestId = isObject(body) ? body.request_id : undefined;
    if (typeof requestId !== 'string' || !requestId) {
      throw new BackendError('malformed', response.status, 'no request_id');
    }
    return {
      requestId,
      requestPath: URLExt.join(
        'api/kernels',
        encodeURIComponent(options.kernelId),
        'requests',
        encodeURIComponent(requestId)
      )
    };
  }

  async check(
    kernelId: string,
    submission: ISubmission
  ): Promise<RequestProgress> {
    const response = await this._request(
      (submission as INbmodelSubmission).requestPath,
      {
        method: 'GET'
      }
    );
    switch (response.status) {
      case 202: {
        const body = await readJson(response);
        const status =
          isObject(body) && body.request_status === 'running'
            ? 'running'
            : 'queued';
        return { done: false, status };
      }
      case 300:
        return { done: false, status: 'input' };
      case 200:
        return { done: true, outcome: parseReply(await readJson(response)) };
      case 404:
        return { done: true, outcome: { kind: 'consumed' } };
      case 500: {
        const body = await readJson(response);
        const message =
          isObject(body) && typeof body.error === 'string'
            ? body.error
            : response.statusText || 'Internal server error';
        return { done: true, outcome: classifyServerFailure(message) };
      }
      default:
        throw await errorFrom(response);
    }
  }

  async listInFlight(kernelId: string): Promise<IInFlightRequest[]> {
    const response = await this._request(this._executePath(kernelId), {
      method: 'GET'
    });
    if (!response.ok) {
      throw await errorFrom(response);
    }
    const body = await readJson(response);
    const requests = isObject(body) ? body.requests : undefined;
    if (!Array.isArray(requests)) {
      throw new BackendError('malformed', response.status, 'no requests');
    }
    return requests.filter(isObject).map(request => ({
      requestId: String(request.request_id ?? ''),
      kernelId: String(request.kernel_id ?? kernelId),
      cellId: typeof request.cell_id === 'string' ? request.cell_id : null,
      documentPath:
        typeof request.document_path === 'string'
          ? request.document_path
          : null,
      status: toRequestStatus(request.request_status)
    }));
  }

  async findInput(
    kernelId: string,
    submission: ISubmission
  ): Promise<IPendingInput | null> {
    // Only the request id is read: any tab can ask with the id from the
    // cell mark or the listing, not only the one that submitted.
    const pending = await readServerPrompt(this._serverSettings, kernelId);
    if (pending === null || pending.requestId !== submission.requestId) {
      return null;
    }
    return {
      prompt: pending.prompt,
      password: pending.password,
      id: pending.promptId
    };
  }

  async answerInput(
    kernelId: string,
    submission: ISubmission,
    pending: IPendingInput,
    value: string
  ): Promise<InputAnswer> {
    if (pending.id === undefined) {
      throw new BackendError('malformed', null, 'a prompt without its id');
    }
    return answerServerPrompt(
      this._serverSettings,
      kernelId,
      {
        requestId: String(submission.requestId),
        promptId: pending.id,
        prompt: pending.prompt,
        password: pending.password
      },
      value
    );
  }

  private _executePath(kernelId: string): string {
    return URLExt.join('api/kernels', encodeURIComponent(kernelId), 'execute');
  }

  private _request(path: string, init: RequestInit): Promise<Response> {
    return serverRequest(this._serverSettings, path, init);
  }
}

/**
 * Recognises jupyter-server-nbmodel: `GET api/kernels/<k>/execute` answers
 * 200 with a `requests` array (the others answer 404 or 405).
 */
export const nbmodelFactory: IBackendFactory = {
  id: 'jupyter-server-nbmodel',
  label: 'jupyter-server-nbmodel',
  rank: 100,
  installHint: 'jupyter-server-nbmodel',
  detect: async (probe: IServerProbe) => {
    const path = URLExt.join(
      'api/kernels',
      encodeURIComponent(probe.kernelId),
      'execute'
    );
    if ((await probe.status(path)) !== 200) {
      return false;
    }
    const body = await probe.json(path);
    return isObject(body) && Array.isArray(body.requests);
  },
  create: async (serverSettings, probe) =>
    new NbmodelBackend(
      serverSettings,
      offersKernelNotes(await probe.json('api/handoff'))
        ? NBMODEL_CAPABILITIES
        : { ...NBMODEL_CAPABILITIES, kernelNotes: 'tab' }
    )
};

/**
 * Whether our server part on this Jupyter server writes the notes of runs a
 * kernel restart or death cut short (`GET api/handoff`, offers.py). Without
 * it (disabled, or not installed) the submitting tab writes them.
 */
function offersKernelNotes(body: unknown): boolean {
  return (
    isObject(body) &&
    body.server === 'jupyter-server' &&
    Array.isArray(body.offers) &&
    body.offers.includes('kernel-notes')
  );
}

/**
 * Turn nbmodel's final reply body into an outcome.
 */
export function parseReply(body: unknown): ExecutionOutcome {
  if (!isObject(body)) {
    return { kind: 'failed', message: 'unreadable result' };
  }
  const status =
    body.status === 'ok' || body.status === 'error' || body.status === 'aborted'
      ? body.status
      : 'error';
  let outputs: unknown[] = [];
  // nbmodel sends the outputs as a JSON-encoded string.
  if (typeof body.outputs === 'string') {
    try {
      const parsed = JSON.parse(body.outputs);
      outputs = Array.isArray(parsed) ? parsed : [];
    } catch {
      outputs = [];
    }
  } else if (Array.isArray(body.outputs)) {
    outputs = body.outputs;
  }
  return {
    kind: 'reply',
    status,
    executionCount:
      typeof body.execution_count === 'number' ? body.execution_count : null,
    outputs
  };
}

/**
 * Tell a dropped request from a failed one by nbmodel's message.
 */
export function classifyServerFailure(message: string): ExecutionOutcome {
  let reason: CancelReason | null = null;
  if (/previous queued request failed/i.test(message)) {
    reason = 'previous-failed';
  } else if (/superseded/i.test(message)) {
    reason = 'superseded';
  } else if (/^execution cancelled/i.test(message)) {
    reason = 'cancelled';
  }
  return reason
    ? { kind: 'cancelled', reason, message }
    : { kind: 'failed', message };
}

function toRequestStatus(value: unknown): RequestStatus {
  return value === 'running' || value === 'input' ? value : 'queued';
}

async function errorFrom(response: Response): Promise<BackendError> {
  let detail = response.statusText;
  try {
    const body = JSON.parse(await response.text());
    if (isObject(body) && typeof body.message === 'string' && body.message) {
      detail = body.message;
    } else if (isObject(body) && typeof body.reason === 'string') {
      detail = body.reason;
    }
  } catch {
    // Keep the status text when the body is not JSON.
  }
  return new BackendError('http', response.status, detail);
}
