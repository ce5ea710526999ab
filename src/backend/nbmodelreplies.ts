/**
 * What jupyter-server-nbmodel's answers mean: a final reply, a dropped or
 * failed request, a request's status, an error body.
 */
import {
  BackendError,
  type CancelReason,
  type ExecutionOutcome,
  type IInFlightRequest,
  type RequestStatus,
  isObject
} from './types';

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

export function toRequestStatus(value: unknown): RequestStatus {
  return value === 'running' || value === 'input' ? value : 'queued';
}

export async function errorFrom(response: Response): Promise<BackendError> {
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

/** The requests a listing (`GET api/kernels/<k>/execute`) names. */
export function parseListing(
  body: unknown,
  kernelId: string,
  status: number
): IInFlightRequest[] {
  const requests = isObject(body) ? body.requests : undefined;
  if (!Array.isArray(requests)) {
    throw new BackendError('malformed', status, 'no requests');
  }
  return requests.filter(isObject).map(request => ({
    requestId: String(request.request_id ?? ''),
    kernelId: String(request.kernel_id ?? kernelId),
    cellId: typeof request.cell_id === 'string' ? request.cell_id : null,
    documentPath:
      typeof request.document_path === 'string' ? request.document_path : null,
    status: toRequestStatus(request.request_status)
  }));
}
