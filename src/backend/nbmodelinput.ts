/**
 * input() prompts of jupyter-server-nbmodel runs, through our server part.
 *
 * nbmodel answers `GET api/kernels/<k>/requests/<r>` with 300 and the prompt
 * to any client, but that route also hands a finished request's result to
 * its first reader: a tab polling it for prompts can take the result the
 * submitting tab waits for. And nbmodel's `POST api/kernels/<k>/input`
 * accepts every answer, so two tabs answering one prompt can answer the
 * kernel's next one. Our server extension (`jupyterlab_handoff/stdin.py`)
 * serves both needs without either problem:
 *
 * - `GET api/handoff/kernels/<k>/input`: 200 with the prompt the kernel
 *   waits on (`request_id`, `prompt_id`, `prompt`, `password`), 204 when
 *   there is none. It never reads a request's result.
 * - `POST api/handoff/kernels/<k>/input` with `{request_id, prompt_id,
 *   input}`: 201 when this answer was sent, 409 when that prompt was no
 *   longer pending (another tab answered first, or the run ended).
 *
 * A 404 from the GET means the server part is not there (or the kernel is
 * gone): callers then fall back to what nbmodel alone offers.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { BackendError, type InputAnswer, serverRequest } from './types';

/** A prompt a kernel waits on, as our server part describes it. */
export interface IServerPrompt {
  /** The nbmodel request (submission) that asked. */
  readonly requestId: string;
  /** This very prompt: a later prompt of the same run has another id. */
  readonly promptId: string;
  readonly prompt: string;
  /** `getpass`: the box must mask what is typed. */
  readonly password: boolean;
}

function inputPath(kernelId: string): string {
  return URLExt.join(
    'api/handoff/kernels',
    encodeURIComponent(kernelId),
    'input'
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Parse the GET's body; a malformed one is an error, never a prompt. */
export function parsePrompt(body: unknown): IServerPrompt {
  if (
    !isObject(body) ||
    typeof body.request_id !== 'string' ||
    typeof body.prompt_id !== 'string' ||
    typeof body.prompt !== 'string' ||
    typeof body.password !== 'boolean'
  ) {
    throw new BackendError('malformed', 200, 'not a prompt');
  }
  return {
    requestId: body.request_id,
    promptId: body.prompt_id,
    prompt: body.prompt,
    password: body.password
  };
}

/**
 * The prompt the kernel waits on now, or `null`. Rejects with a
 * `BackendError` (`http` 404 when our server part is missing).
 */
export async function readServerPrompt(
  settings: ServerConnection.ISettings,
  kernelId: string
): Promise<IServerPrompt | null> {
  const response = await serverRequest(settings, inputPath(kernelId), {
    method: 'GET'
  });
  if (response.status === 204) {
    return null;
  }
  if (response.status !== 200) {
    throw new BackendError('http', response.status, response.statusText);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new BackendError('malformed', 200, 'not JSON');
  }
  return parsePrompt(body);
}

/**
 * Answer `prompt` with `value`: `answered` when this answer reached the
 * kernel, `late` when the prompt was no longer pending (another tab's
 * answer won, or the run ended).
 */
export async function answerServerPrompt(
  settings: ServerConnection.ISettings,
  kernelId: string,
  prompt: IServerPrompt,
  value: string
): Promise<InputAnswer> {
  const response = await serverRequest(settings, inputPath(kernelId), {
    method: 'POST',
    body: JSON.stringify({
      request_id: prompt.requestId,
      prompt_id: prompt.promptId,
      input: value
    })
  });
  if (response.status === 201) {
    return 'answered';
  }
  if (response.status === 409) {
    return 'late';
  }
  throw new BackendError('http', response.status, response.statusText);
}
