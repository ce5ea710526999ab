/**
 * The jupyverse dialect, through the queue module this package installs
 * into jupyverse (`jupyterlab_handoff/jupyverse/`).
 *
 * `POST api/handoff/kernels/<k>/execute` queues cells (`{document_id,
 * cells: [{cell_id, code}]}`, 202 with their request ids); the module feeds
 * the kernel one cell at a time, so the queue survives the tab.
 * `GET api/handoff/kernels/<k>/requests` lists what is queued and running;
 * `GET .../requests/<r>` reads one, with its outcome once done (404 once
 * forgotten). Errors answer `{detail}` with a 4xx status.
 *
 * While it has a cell, the module writes `execution_state: "running"` and
 * `metadata.jupyterlab_handoff: {requestId, kernelId, state}`; the end (the
 * count, `idle`, the mark removed) is one transaction.
 *
 * jupyverse authenticates by the page's login cookie, which
 * `ServerConnection.makeRequest` sends with every request.
 */
import type { ISharedCodeCell } from '@jupyter/ydoc';
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { IBackendFactory, ICellMark, IServerProbe } from '../tokens';
import {
  BackendError,
  type CancelReason,
  type ExecutionOutcome,
  type IBackendCapabilities,
  type IExecutionBackend,
  type IInFlightRequest,
  type ISubmission,
  type ISubmitOptions,
  type RequestProgress,
  serverRequest,
  isObject,
  readJson
} from './types';

/** The cell metadata key the module sets while it has a cell. */
export const JUPYVERSE_METADATA_KEY = 'jupyterlab_handoff';

export const JUPYVERSE_CAPABILITIES: IBackendCapabilities = Object.freeze({
  submissionIds: true,
  queue: 'server',
  listing: true,
  documentState: 'running',
  input: 'none',
  batch: true,
  finalResult: false,
  // Our jupyverse module does not follow kernel restarts: the tab tells.
  kernelNotes: 'tab'
});

interface IJupyverseSubmission extends ISubmission {
  readonly requestId: string;
}

export class JupyverseBackend implements IExecutionBackend {
  readonly id = 'jupyverse';
  readonly label = 'jupyverse';
  readonly capabilities = JUPYVERSE_CAPABILITIES;

  constructor(private readonly _serverSettings: ServerConnection.ISettings) {}

  /**
   * The request the module is running in this cell. A queued cell carries a
   * mark too (`state: "queued"`), which is not a running request.
   */
  readCellMark(cell: ISharedCodeCell): ICellMark | null {
    const meta = cell.getMetadata(JUPYVERSE_METADATA_KEY) as
      { requestId?: unknown; kernelId?: unknown; state?: unknown } | undefined;
    if (
      !meta ||
      typeof meta.requestId !== 'string' ||
      meta.state !== 'running'
    ) {
      return null;
    }
    return {
      requestId: meta.requestId,
      kernelId: typeof meta.kernelId === 'string' ? meta.kernelId : null
    };
  }

  clearCellMark(cell: ISharedCodeCell): void {
    cell.deleteMetadata(JUPYVERSE_METADATA_KEY);
  }

  async submit(options: ISubmitOptions): Promise<IJupyverseSubmission> {
    const [submission] = await this.submitBatch([options]);
    return submission;
  }

  async submitBatch(
    options: ISubmitOptions[]
  ): Promise<IJupyverseSubmission[]> {
    if (options.length === 0) {
      return [];
    }
    const { kernelId, documentId } = options[0];
    if (
      options.some(o => o.kernelId !== kernelId || o.documentId !== documentId)
    ) {
      throw new BackendError(
        'malformed',
        null,
        'one kernel and notebook per batch'
      );
    }
    const response = await this._request(
      URLExt.join(this._kernelPath(kernelId), 'execute'),
      {
        method: 'POST',
        body: JSON.stringify({
          document_id: documentId,
          cells: options.map(o => ({ cell_id: o.cellId, code: o.code }))
        })
      }
    );
    if (response.status !== 202) {
      throw await errorFrom(response);
    }
    const body = await readJson(response);
    const requests = isObject(body) ? body.requests : undefined;
    if (
      !Array.isArray(requests) ||
      requests.length !== options.length ||
      !requests.every(r => isObject(r) && typeof r.request_id === 'string')
    ) {
      throw new BackendError('malformed', response.status, 'no request ids');
    }
    return requests.map(r => ({
      requestId: (r as { request_id: string }).request_id
    }));
  }

  async check(
    kernelId: string,
    submission: ISubmission
  ): Promise<RequestProgress> {
    const response = await this._request(
      URLExt.join(
        this._kernelPath(kernelId),
        'requests',
        encodeURIComponent(String(submission.requestId))
      ),
      { method: 'GET' }
    );
    if (response.status === 404) {
      return { done: true, outcome: { kind: 'consumed' } };
    }
    if (!response.ok) {
      throw await errorFrom(response);
    }
    const body = await readJson(response);
    if (!isObject(body)) {
      throw new BackendError('malformed', response.status, 'not an object');
    }
    if (body.status === 'queued' || body.status === 'running') {
      return { done: false, status: body.status };
    }
    return { done: true, outcome: parseOutcome(body.outcome) };
  }

  async listInFlight(kernelId: string): Promise<IInFlightRequest[]> {
    const response = await this._request(
      URLExt.join(this._kernelPath(kernelId), 'requests'),
      { method: 'GET' }
    );
    if (!response.ok) {
      throw await errorFrom(response);
    }
    const body = await readJson(response);
    if (!Array.isArray(body)) {
      throw new BackendError('malformed', response.status, 'not a list');
    }
    return body.filter(isObject).map(r => ({
      requestId: String(r.request_id ?? ''),
      kernelId: String(r.kernel_id ?? kernelId),
      cellId: typeof r.cell_id === 'string' ? r.cell_id : null,
      documentPath:
        typeof r.document_path === 'string' ? r.document_path : null,
      status: r.status === 'running' ? 'running' : 'queued'
    }));
  }

  private _kernelPath(kernelId: string): string {
    return URLExt.join('api/handoff/kernels', encodeURIComponent(kernelId));
  }

  private _request(path: string, init: RequestInit): Promise<Response> {
    return serverRequest(this._serverSettings, path, init);
  }
}

/**
 * Recognises jupyverse with our module: `GET api/handoff` answers
 * `{server: "jupyverse", queue: "server"}`.
 */
export const jupyverseFactory: IBackendFactory = {
  id: 'jupyverse',
  label: 'jupyverse',
  rank: 90,
  detect: async (probe: IServerProbe) => {
    if ((await probe.status('api/handoff')) !== 200) {
      return false;
    }
    const body = await probe.json('api/handoff');
    return isObject(body) && body.server === 'jupyverse';
  },
  create: serverSettings => new JupyverseBackend(serverSettings)
};

/** Turn the module's `outcome` into ours. */
export function parseOutcome(value: unknown): ExecutionOutcome {
  if (!isObject(value)) {
    return { kind: 'failed', message: 'unreadable result' };
  }
  const message = typeof value.message === 'string' ? value.message : '';
  switch (value.kind) {
    case 'reply': {
      const status =
        value.status === 'ok' || value.status === 'aborted'
          ? value.status
          : 'error';
      return {
        kind: 'reply',
        status,
        executionCount:
          typeof value.execution_count === 'number'
            ? value.execution_count
            : null,
        outputs: []
      };
    }
    case 'cancelled': {
      const reasons: CancelReason[] = [
        'previous-failed',
        'superseded',
        'cancelled'
      ];
      const reason = reasons.find(r => r === value.reason) ?? 'cancelled';
      return { kind: 'cancelled', reason, message };
    }
    default:
      return {
        kind: 'failed',
        message: message || 'the server failed to run it'
      };
  }
}

async function errorFrom(response: Response): Promise<BackendError> {
  let detail = response.statusText;
  try {
    const body = JSON.parse(await response.text());
    if (isObject(body) && typeof body.detail === 'string' && body.detail) {
      detail = body.detail;
    }
  } catch {
    // Keep the status text when the body is not JSON (jupyverse's own 500s).
  }
  return new BackendError('http', response.status, detail);
}
