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
import { Timings } from '../timings';
import { answerServerPrompt, readServerPrompt } from './nbmodelinput';
import {
  classifyServerFailure,
  errorFrom,
  parseListing,
  parseReply
} from './nbmodelreplies';
import {
  BackendError,
  type IBackendCapabilities,
  type IExecutionBackend,
  type IInFlightRequest,
  type InputAnswer,
  type IPendingInput,
  type ISubmission,
  type ISubmitOptions,
  type RequestProgress,
  serverRequest,
  isObject,
  readJson
} from './types';

export { classifyServerFailure, parseReply } from './nbmodelreplies';

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
 * One cell per request: with our server part, several (`batch`, set by
 * the factory from what the server part offers).
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
    readonly capabilities: IBackendCapabilities = NBMODEL_CAPABILITIES,
    firstListing?: IFirstListing
  ) {
    this._firstListing = firstListing ?? null;
  }

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
    const response = await this._request(executePath(options.kernelId), {
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
    return nbmodelSubmission(options.kernelId, requestId);
  }

  /**
   * Cells of one notebook in one request, through our server part
   * (`batch-execute`, batch.py): nbmodel's queue gets all of them, in
   * order, or none. Each is then an ordinary nbmodel request.
   */
  async submitBatch(options: ISubmitOptions[]): Promise<INbmodelSubmission[]> {
    if (options.length === 0) {
      return [];
    }
    const [first] = options;
    if (
      options.some(
        o =>
          o.kernelId !== first.kernelId ||
          o.documentId !== first.documentId ||
          o.documentPath !== first.documentPath
      )
    ) {
      throw new BackendError(
        'malformed',
        null,
        'one kernel and notebook per batch'
      );
    }
    const path = URLExt.join(
      'api/handoff/kernels',
      encodeURIComponent(first.kernelId),
      'execute'
    );
    const response = await this._request(path, {
      method: 'POST',
      body: JSON.stringify({
        document_id: first.documentId,
        ...(first.documentPath !== null && {
          document_path: first.documentPath
        }),
        record_timing: first.recordTiming,
        cells: options.map(o => ({ cell_id: o.cellId, code: o.code }))
      })
    });
    if (response.status !== 202) {
      throw await errorFrom(response);
    }
    const body = await readJson(response);
    const requests = isObject(body) ? body.requests : undefined;
    const ids = Array.isArray(requests)
      ? requests.map(r => (isObject(r) ? r.request_id : undefined))
      : [];
    if (
      ids.length !== options.length ||
      !ids.every(id => typeof id === 'string' && id)
    ) {
      throw new BackendError('malformed', response.status, 'no request ids');
    }
    return ids.map(id => nbmodelSubmission(first.kernelId, id as string));
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
    const first = this._firstListing;
    if (first?.kernelId === kernelId) {
      this._firstListing = null;
      if (Date.now() - first.at <= Timings.probeListingReuse) {
        return parseListing(first.body, kernelId, 200);
      }
    }
    const response = await this._request(executePath(kernelId), {
      method: 'GET'
    });
    if (!response.ok) {
      throw await errorFrom(response);
    }
    return parseListing(await readJson(response), kernelId, response.status);
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

  private _request(path: string, init: RequestInit): Promise<Response> {
    return serverRequest(this._serverSettings, path, init);
  }

  private _firstListing: IFirstListing | null;
}

/**
 * The listing the probe read while recognising the server (the same
 * `GET api/kernels/<k>/execute`): it serves as the first listing of that
 * kernel, so opening a notebook asks once, not twice.
 */
export interface IFirstListing {
  kernelId: string;
  body: unknown;
  /** When it was read (`Date.now()`). */
  at: number;
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
    const path = executePath(probe.kernelId);
    if ((await probe.status(path)) !== 200) {
      return false;
    }
    const body = await probe.json(path);
    return isObject(body) && Array.isArray(body.requests);
  },
  create: async (serverSettings, probe) => {
    const listing = await probe.json(executePath(probe.kernelId));
    const listedAt = Date.now();
    const offers = serverPartOffers(await probe.json('api/handoff'));
    return new NbmodelBackend(
      serverSettings,
      {
        ...NBMODEL_CAPABILITIES,
        kernelNotes: offers.includes('kernel-notes') ? 'server' : 'tab',
        batch: offers.includes('batch-execute')
      },
      { kernelId: probe.kernelId, body: listing, at: listedAt }
    );
  }
};

/** `api/kernels/<k>/execute`: POST runs a cell, GET lists what is in flight. */
function executePath(kernelId: string): string {
  return URLExt.join('api/kernels', encodeURIComponent(kernelId), 'execute');
}

/**
 * What our server part on this Jupyter server does (`GET api/handoff`,
 * offers.py): `kernel-notes`, it writes the notes of runs a kernel restart
 * or death cut short; `batch-execute`, it queues several cells in one
 * request. Without it (disabled, or not installed) the submitting tab
 * writes the notes and posts cell by cell.
 */
function serverPartOffers(body: unknown): string[] {
  return isObject(body) &&
    body.server === 'jupyter-server' &&
    Array.isArray(body.offers)
    ? body.offers.filter((o): o is string => typeof o === 'string')
    : [];
}

function nbmodelSubmission(
  kernelId: string,
  requestId: string
): INbmodelSubmission {
  return {
    requestId,
    requestPath: URLExt.join(
      'api/kernels',
      encodeURIComponent(kernelId),
      'requests',
      encodeURIComponent(requestId)
    )
  };
}
