/**
 * The client of our server part's prompt routes (src/backend/nbmodelinput.ts):
 * what it sends (paths, auth, XSRF through ServerConnection) and how it reads
 * each answer. The routes themselves are tested with pytest on a real server.
 */
import { ServerConnection } from '@jupyterlab/services';
import {
  answerServerPrompt,
  parsePrompt,
  readServerPrompt,
  type IServerPrompt
} from '../backend/nbmodelinput';
import { NbmodelBackend } from '../backend/nbmodel';
import { BackendError } from '../backend/types';

const BASE = 'http://localhost:8888/base/';

interface IRecorded {
  method: string;
  pathname: string;
  headers: Headers;
  body: string;
}

function fakeServer(
  replies: Array<{ status: number; body?: unknown } | Error>
) {
  const requests: IRecorded[] = [];
  const fetch = jest.fn(async (input: RequestInfo): Promise<Response> => {
    const request = input as Request;
    requests.push({
      method: request.method,
      pathname: new URL(request.url).pathname,
      headers: request.headers,
      body: request.method === 'GET' ? '' : await request.text()
    });
    const reply = replies.shift();
    if (!reply) {
      throw new Error('no reply queued');
    }
    if (reply instanceof Error) {
      throw reply;
    }
    return new Response(
      reply.body === undefined ? null : JSON.stringify(reply.body),
      { status: reply.status, headers: { 'Content-Type': 'application/json' } }
    );
  });
  const settings = ServerConnection.makeSettings({
    baseUrl: BASE,
    token: 'secret',
    fetch,
    Request,
    Headers
  });
  return { settings, requests };
}

const PROMPT: IServerPrompt = {
  requestId: 'r1',
  promptId: 'p1',
  prompt: 'who? ',
  password: false
};

async function rejection(promise: Promise<unknown>): Promise<BackendError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BackendError);
    return error as BackendError;
  }
  throw new Error('did not reject');
}

describe('our server part, input() prompts', () => {
  it('reads the pending prompt with the token, under the base URL', async () => {
    const { settings, requests } = fakeServer([
      {
        status: 200,
        body: {
          kernel_id: 'k 1',
          request_id: 'r1',
          prompt_id: 'p1',
          prompt: 'pw: ',
          password: true
        }
      }
    ]);
    expect(await readServerPrompt(settings, 'k 1')).toEqual({
      requestId: 'r1',
      promptId: 'p1',
      prompt: 'pw: ',
      password: true
    });
    expect(requests[0].method).toBe('GET');
    expect(requests[0].pathname).toBe('/base/api/handoff/kernels/k%201/input');
    expect(requests[0].headers.get('Authorization')).toBe('token secret');
  });

  it('reads no prompt as null', async () => {
    const { settings } = fakeServer([{ status: 204 }]);
    expect(await readServerPrompt(settings, 'k1')).toBeNull();
  });

  it('says when the server part is missing, unreachable or malformed', async () => {
    const { settings } = fakeServer([
      { status: 404, body: { message: 'Not Found' } },
      new TypeError('Failed to fetch'),
      { status: 200, body: { prompt: 'who? ' } }
    ]);
    const missing = await rejection(readServerPrompt(settings, 'k1'));
    expect([missing.kind, missing.status]).toEqual(['http', 404]);
    expect((await rejection(readServerPrompt(settings, 'k1'))).kind).toBe(
      'unreachable'
    );
    expect((await rejection(readServerPrompt(settings, 'k1'))).kind).toBe(
      'malformed'
    );
  });

  it('answers that very prompt, and tells a late answer from an error', async () => {
    const { settings, requests } = fakeServer([
      { status: 201, body: { answered: true } },
      { status: 409, body: { answered: false } },
      { status: 500, body: {} }
    ]);
    expect(await answerServerPrompt(settings, 'k1', PROMPT, 'Ada')).toBe(
      'answered'
    );
    expect(requests[0].method).toBe('POST');
    expect(requests[0].pathname).toBe('/base/api/handoff/kernels/k1/input');
    expect(JSON.parse(requests[0].body)).toEqual({
      request_id: 'r1',
      prompt_id: 'p1',
      input: 'Ada'
    });
    expect(await answerServerPrompt(settings, 'k1', PROMPT, 'Bob')).toBe(
      'late'
    );
    const failed = await rejection(
      answerServerPrompt(settings, 'k1', PROMPT, 'Cy')
    );
    expect([failed.kind, failed.status]).toEqual(['http', 500]);
  });

  it('rejects a body that is not a prompt', () => {
    expect(() => parsePrompt(null)).toThrow(BackendError);
    expect(() =>
      parsePrompt({ request_id: 'r', prompt_id: 'p', prompt: 'x' })
    ).toThrow(BackendError);
  });

  describe('through the nbmodel backend', () => {
    const SUBMISSION = {
      requestId: 'r1',
      requestPath: 'api/kernels/k1/requests/r1'
    };

    it('finds the prompt of this submission only, with its id', async () => {
      const prompt = {
        request_id: 'r1',
        prompt_id: 'p1',
        prompt: 'who? ',
        password: false
      };
      const { settings } = fakeServer([
        { status: 200, body: prompt },
        { status: 200, body: { ...prompt, request_id: 'other' } },
        { status: 204 }
      ]);
      const backend = new NbmodelBackend(settings);
      expect(backend.capabilities.input).toBe('request');
      expect(await backend.findInput('k1', SUBMISSION)).toEqual({
        prompt: 'who? ',
        password: false,
        id: 'p1'
      });
      expect(await backend.findInput('k1', SUBMISSION)).toBeNull();
      expect(await backend.findInput('k1', SUBMISSION)).toBeNull();
    });

    it('answers the prompt it found, first answer wins', async () => {
      const { settings, requests } = fakeServer([
        { status: 201, body: { answered: true } },
        { status: 409, body: { answered: false } }
      ]);
      const backend = new NbmodelBackend(settings);
      const pending = { prompt: 'who? ', password: false, id: 'p1' };
      expect(await backend.answerInput('k1', SUBMISSION, pending, 'A')).toBe(
        'answered'
      );
      expect(await backend.answerInput('k1', SUBMISSION, pending, 'B')).toBe(
        'late'
      );
      expect(JSON.parse(requests[1].body)).toEqual({
        request_id: 'r1',
        prompt_id: 'p1',
        input: 'B'
      });
      const noId = await rejection(
        backend.answerInput(
          'k1',
          SUBMISSION,
          { prompt: 'x', password: false },
          'C'
        )
      );
      expect(noId.kind).toBe('malformed');
    });
  });
});
