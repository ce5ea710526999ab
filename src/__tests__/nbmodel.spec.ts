import { ServerConnection } from '@jupyterlab/services';
import {
  classifyServerFailure,
  NbmodelBackend,
  parseReply
} from '../backend/nbmodel';
import { BackendError, type ISubmitOptions } from '../backend/types';

const BASE = 'http://localhost:8888/base/';

interface IRecorded {
  method: string;
  pathname: string;
  url: string;
  headers: Headers;
  body: string;
}

type Reply = {
  status: number;
  body?: unknown;
  /** Send this text as is instead of JSON-encoding `body`. */
  text?: string;
  statusText?: string;
};

/**
 * A fetch that records each request and answers with the next queued reply.
 */
function fakeServer() {
  const requests: IRecorded[] = [];
  const replies: Array<Reply | Error> = [];
  const fetch = jest.fn(async (input: RequestInfo): Promise<Response> => {
    const request = input as Request;
    const url = new URL(request.url);
    requests.push({
      method: request.method,
      pathname: url.pathname,
      url: request.url,
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
    const text =
      reply.text ??
      (reply.body === undefined ? '' : JSON.stringify(reply.body));
    return new Response(text, {
      status: reply.status,
      statusText: reply.statusText ?? '',
      headers: { 'Content-Type': 'application/json' }
    });
  });
  const settings = ServerConnection.makeSettings({
    baseUrl: BASE,
    token: 'secret',
    fetch,
    Request,
    Headers
  });
  return {
    backend: new NbmodelBackend(settings),
    requests,
    reply: (r: Reply | Error) => replies.push(r),
    fetch
  };
}

const SUBMIT: ISubmitOptions = {
  kernelId: 'k1',
  code: 'print(1)',
  cellId: 'cell-1',
  documentId: 'json:notebook:abc',
  documentPath: 'dir/nb.ipynb',
  recordTiming: true
};

const SUBMISSION = {
  requestId: 'aaaa-bbbb-cccc-dddd-eeee',
  requestPath: 'api/kernels/k1/requests/aaaa-bbbb-cccc-dddd-eeee'
};

async function rejection(promise: Promise<unknown>): Promise<BackendError> {
  try {
    await promise;
  } catch (reason) {
    expect(reason).toBeInstanceOf(BackendError);
    return reason as BackendError;
  }
  throw new Error('expected a rejection');
}

describe('NbmodelBackend.submit', () => {
  it('sends the XSRF cookie as X-XSRFToken, as every JupyterLab request does', async () => {
    document.cookie = '_xsrf=xsrf-from-cookie';
    try {
      const server = fakeServer();
      server.reply({
        status: 202,
        body: { request_id: 'aaaa-bbbb-cccc-dddd-eeee', outputs: '[]' }
      });
      await server.backend.submit(SUBMIT);
      expect(server.requests[0].headers.get('X-XSRFToken')).toBe(
        'xsrf-from-cookie'
      );
    } finally {
      document.cookie = '_xsrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
    }
  });

  it('POSTs the code and metadata under the base URL with the token', async () => {
    const server = fakeServer();
    server.reply({
      status: 202,
      body: {
        request_id: 'aaaa-bbbb-cccc-dddd-eeee',
        kernel_id: 'k1',
        pending: true,
        request_status: 'queued',
        outputs: '[]'
      }
    });
    const submission = await server.backend.submit(SUBMIT);

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request.method).toBe('POST');
    expect(request.url.startsWith(`${BASE}api/kernels/k1/execute`)).toBe(true);
    expect(request.pathname).toBe('/base/api/kernels/k1/execute');
    expect(request.headers.get('Authorization')).toBe('token secret');
    expect(JSON.parse(request.body)).toEqual({
      code: 'print(1)',
      metadata: {
        cell_id: 'cell-1',
        document_id: 'json:notebook:abc',
        document_path: 'dir/nb.ipynb',
        record_timing: true
      }
    });
    expect(submission).toEqual({
      requestId: 'aaaa-bbbb-cccc-dddd-eeee',
      requestPath: 'api/kernels/k1/requests/aaaa-bbbb-cccc-dddd-eeee'
    });
  });

  it('encodes the kernel id in the URL', async () => {
    const server = fakeServer();
    server.reply({ status: 202, body: { request_id: 'r-1' } });
    const submission = await server.backend.submit({
      ...SUBMIT,
      kernelId: 'a/b c'
    });
    expect(server.requests[0].pathname).toBe(
      '/base/api/kernels/a%2Fb%20c/execute'
    );
    expect(submission.requestPath).toBe('api/kernels/a%2Fb%20c/requests/r-1');
  });

  it('leaves document_path out when there is none to send', async () => {
    const server = fakeServer();
    server.reply({ status: 202, body: { request_id: 'r-1' } });
    await server.backend.submit({ ...SUBMIT, documentPath: null });
    expect(JSON.parse(server.requests[0].body).metadata).toEqual({
      cell_id: 'cell-1',
      document_id: 'json:notebook:abc',
      record_timing: true
    });
  });

  it('sends record_timing false when timing is off', async () => {
    const server = fakeServer();
    server.reply({ status: 202, body: { request_id: 'r-1' } });
    await server.backend.submit({ ...SUBMIT, recordTiming: false });
    expect(JSON.parse(server.requests[0].body).metadata.record_timing).toBe(
      false
    );
  });

  it.each([
    [
      404,
      { message: 'Kernel does not exist: k1' },
      'Kernel does not exist: k1'
    ],
    [400, { reason: 'Bad Request' }, 'Bad Request'],
    [500, undefined, 'Internal Server Error'],
    // A 200 is not what nbmodel answers: something else took the route.
    [200, { request_id: 'r-1' }, 'OK']
  ])(
    'turns a %i answer into an http BackendError',
    async (status, body, detail) => {
      const server = fakeServer();
      server.reply({
        status,
        body,
        statusText:
          status === 500 ? 'Internal Server Error' : status === 200 ? 'OK' : ''
      });
      const error = await rejection(server.backend.submit(SUBMIT));
      expect(error.kind).toBe('http');
      expect(error.status).toBe(status);
      expect(error.detail).toBe(detail);
    }
  );

  it('rejects an unreadable 202 as malformed', async () => {
    const server = fakeServer();
    server.reply({ status: 202, text: '<html>login</html>' });
    const error = await rejection(server.backend.submit(SUBMIT));
    expect(error.kind).toBe('malformed');
    expect(error.status).toBe(202);
    expect(error.detail).toContain('<html>login</html>');
  });

  it('rejects a 202 without request_id as malformed', async () => {
    const server = fakeServer();
    server.reply({ status: 202, body: {} });
    const error = await rejection(server.backend.submit(SUBMIT));
    expect(error.kind).toBe('malformed');
  });

  it('rejects as unreachable when fetch throws', async () => {
    const server = fakeServer();
    server.reply(new TypeError('Failed to fetch'));
    const error = await rejection(server.backend.submit(SUBMIT));
    expect(error.kind).toBe('unreachable');
    expect(error.status).toBeNull();
    expect(error.detail).toContain('Failed to fetch');
    expect(error.message).toContain('unreachable');
  });
});

describe('NbmodelBackend.submitBatch', () => {
  const second: ISubmitOptions = { ...SUBMIT, cellId: 'cell-2', code: 'x' };

  it("POSTs the cells in order to our server part's route, one request id each", async () => {
    const server = fakeServer();
    server.reply({
      status: 202,
      body: {
        kernel_id: 'k1',
        requests: [
          { request_id: 'r1', cell_id: 'cell-1' },
          { request_id: 'r/2', cell_id: 'cell-2' }
        ]
      }
    });
    const submissions = await server.backend.submitBatch([SUBMIT, second]);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request.method).toBe('POST');
    expect(request.pathname).toBe('/base/api/handoff/kernels/k1/execute');
    expect(request.headers.get('Authorization')).toBe('token secret');
    expect(JSON.parse(request.body)).toEqual({
      document_id: 'json:notebook:abc',
      document_path: 'dir/nb.ipynb',
      record_timing: true,
      cells: [
        { cell_id: 'cell-1', code: 'print(1)' },
        { cell_id: 'cell-2', code: 'x' }
      ]
    });
    // Each is polled at nbmodel's own URL.
    expect(submissions).toEqual([
      { requestId: 'r1', requestPath: 'api/kernels/k1/requests/r1' },
      { requestId: 'r/2', requestPath: 'api/kernels/k1/requests/r%2F2' }
    ]);
  });

  it('sends nothing for no cells, and refuses cells of two notebooks or kernels', async () => {
    const server = fakeServer();
    expect(await server.backend.submitBatch([])).toEqual([]);
    for (const other of [
      { ...second, kernelId: 'k2' },
      { ...second, documentId: 'json:notebook:other' },
      { ...second, documentPath: null }
    ]) {
      const error = await rejection(
        server.backend.submitBatch([SUBMIT, other])
      );
      expect(error.kind).toBe('malformed');
    }
    expect(server.requests).toHaveLength(0);
  });

  it('rejects a refusal with the server message, and an answer without one id per cell', async () => {
    const server = fakeServer();
    server.reply({
      status: 400,
      body: { message: 'cells[1] needs a cell_id and code, both strings' }
    });
    const refused = await rejection(
      server.backend.submitBatch([SUBMIT, second])
    );
    expect(refused.kind).toBe('http');
    expect(refused.status).toBe(400);
    expect(refused.message).toContain('cells[1] needs a cell_id');
    for (const body of [
      { requests: [{ request_id: 'r1' }] },
      { requests: [{ request_id: 'r1' }, { request_id: '' }] },
      { requests: 'r1,r2' }
    ]) {
      server.reply({ status: 202, body });
      const error = await rejection(
        server.backend.submitBatch([SUBMIT, second])
      );
      expect(error.kind).toBe('malformed');
    }
  });
});

describe('NbmodelBackend.check', () => {
  async function check(reply: Reply) {
    const server = fakeServer();
    server.reply(reply);
    const progress = await server.backend.check('k1', SUBMISSION);
    expect(server.requests[0].method).toBe('GET');
    expect(server.requests[0].pathname).toBe(
      '/base/api/kernels/k1/requests/aaaa-bbbb-cccc-dddd-eeee'
    );
    expect(server.requests[0].headers.get('Authorization')).toBe(
      'token secret'
    );
    return progress;
  }

  it('reads 202 queued', async () => {
    await expect(
      check({
        status: 202,
        body: { pending: true, request_status: 'queued', outputs: '[]' }
      })
    ).resolves.toEqual({ done: false, status: 'queued' });
  });

  it('reads 202 running', async () => {
    await expect(
      check({
        status: 202,
        body: { pending: true, request_status: 'running', outputs: '[]' }
      })
    ).resolves.toEqual({ done: false, status: 'running' });
  });

  it('reads 300 as waiting for input', async () => {
    await expect(
      check({
        status: 300,
        body: { input_request: { prompt: 'name?', password: false } }
      })
    ).resolves.toEqual({ done: false, status: 'input' });
  });

  it('reads a 200 reply, with the outputs parsed from the JSON string nbmodel sends', async () => {
    const outputs = [
      { output_type: 'stream', name: 'stdout', text: '1\n' },
      {
        output_type: 'execute_result',
        data: { 'text/plain': '2' },
        metadata: {},
        execution_count: 7
      }
    ];
    await expect(
      check({
        status: 200,
        body: {
          status: 'ok',
          execution_count: 7,
          outputs: JSON.stringify(outputs),
          pending: false,
          request_status: 'complete'
        }
      })
    ).resolves.toEqual({
      done: true,
      outcome: { kind: 'reply', status: 'ok', executionCount: 7, outputs }
    });
  });

  it('reads a 200 error reply', async () => {
    const error = {
      output_type: 'error',
      ename: 'ZeroDivisionError',
      evalue: 'division by zero',
      traceback: ['...']
    };
    await expect(
      check({
        status: 200,
        body: {
          status: 'error',
          execution_count: 3,
          outputs: JSON.stringify([error])
        }
      })
    ).resolves.toEqual({
      done: true,
      outcome: {
        kind: 'reply',
        status: 'error',
        executionCount: 3,
        outputs: [error]
      }
    });
  });

  it('reads 404 as consumed', async () => {
    await expect(check({ status: 404 })).resolves.toEqual({
      done: true,
      outcome: { kind: 'consumed' }
    });
  });

  it('reads a 500 "previous queued request failed" as cancelled/previous-failed', async () => {
    const message =
      'Execution cancelled because a previous queued request failed.';
    await expect(
      check({ status: 500, body: { error: message } })
    ).resolves.toEqual({
      done: true,
      outcome: { kind: 'cancelled', reason: 'previous-failed', message }
    });
  });

  it('reads a 500 "Superseded" as cancelled/superseded', async () => {
    const message =
      'Superseded by a newer queued execution for the same cell_id.';
    await expect(
      check({ status: 500, body: { error: message } })
    ).resolves.toEqual({
      done: true,
      outcome: { kind: 'cancelled', reason: 'superseded', message }
    });
  });

  it('reads a 500 "Execution cancelled." as cancelled/cancelled', async () => {
    await expect(
      check({ status: 500, body: { error: 'Execution cancelled.' } })
    ).resolves.toEqual({
      done: true,
      outcome: {
        kind: 'cancelled',
        reason: 'cancelled',
        message: 'Execution cancelled.'
      }
    });
  });

  it('reads any other 500 as failed, with the server message', async () => {
    await expect(
      check({
        status: 500,
        body: { error: 'Could not connect to the kernel k1' }
      })
    ).resolves.toEqual({
      done: true,
      outcome: { kind: 'failed', message: 'Could not connect to the kernel k1' }
    });
  });

  it('reads a 500 without a JSON error as failed with the status text', async () => {
    await expect(
      check({ status: 500, statusText: 'Internal Server Error' })
    ).resolves.toEqual({
      done: true,
      outcome: { kind: 'failed', message: 'Internal Server Error' }
    });
  });

  it('rejects other status codes as http errors', async () => {
    const server = fakeServer();
    server.reply({ status: 403, body: { message: 'Forbidden' } });
    const error = await rejection(server.backend.check('k1', SUBMISSION));
    expect(error.kind).toBe('http');
    expect(error.status).toBe(403);
    expect(error.detail).toBe('Forbidden');
  });

  it('rejects as unreachable when fetch throws', async () => {
    const server = fakeServer();
    server.reply(new TypeError('NetworkError'));
    const error = await rejection(server.backend.check('k1', SUBMISSION));
    expect(error.kind).toBe('unreachable');
  });
});

describe('NbmodelBackend.listInFlight', () => {
  it('maps the listed requests', async () => {
    const server = fakeServer();
    server.reply({
      status: 200,
      body: {
        kernel_id: 'k1',
        requests: [
          {
            request_id: 'r-1',
            kernel_id: 'k1',
            cell_id: 'c-1',
            document_path: 'nb.ipynb',
            pending: true,
            request_status: 'running',
            outputs: '[]'
          },
          {
            request_id: 'r-2',
            cell_id: null,
            request_status: 'queued'
          },
          { request_id: 'r-3', kernel_id: 'k1', request_status: 'input' },
          { request_id: 'r-4', request_status: 'something-new' },
          'not an object'
        ]
      }
    });
    await expect(server.backend.listInFlight('k1')).resolves.toEqual([
      {
        requestId: 'r-1',
        kernelId: 'k1',
        cellId: 'c-1',
        documentPath: 'nb.ipynb',
        status: 'running'
      },
      {
        requestId: 'r-2',
        kernelId: 'k1',
        cellId: null,
        documentPath: null,
        status: 'queued'
      },
      {
        requestId: 'r-3',
        kernelId: 'k1',
        cellId: null,
        documentPath: null,
        status: 'input'
      },
      {
        requestId: 'r-4',
        kernelId: 'k1',
        cellId: null,
        documentPath: null,
        status: 'queued'
      }
    ]);
    expect(server.requests[0].pathname).toBe('/base/api/kernels/k1/execute');
  });

  it('rejects a listing without requests as malformed', async () => {
    const server = fakeServer();
    server.reply({ status: 200, body: { kernel_id: 'k1' } });
    const error = await rejection(server.backend.listInFlight('k1'));
    expect(error.kind).toBe('malformed');
  });

  it('rejects a non-2xx listing as http', async () => {
    const server = fakeServer();
    server.reply({ status: 404, body: { message: 'nope' } });
    const error = await rejection(server.backend.listInFlight('k1'));
    expect(error.kind).toBe('http');
    expect(error.detail).toBe('nope');
  });
});

describe('parseReply and classifyServerFailure', () => {
  it('accepts outputs sent as an array too', () => {
    expect(
      parseReply({ status: 'ok', execution_count: 1, outputs: [{ a: 1 }] })
    ).toEqual({
      kind: 'reply',
      status: 'ok',
      executionCount: 1,
      outputs: [{ a: 1 }]
    });
  });

  it('reads an unreadable outputs string as no outputs', () => {
    expect(
      parseReply({ status: 'ok', execution_count: 1, outputs: '[oops' })
    ).toMatchObject({ outputs: [] });
  });

  it('treats an unknown status as an error and a missing count as null', () => {
    expect(parseReply({ status: 'weird' })).toEqual({
      kind: 'reply',
      status: 'error',
      executionCount: null,
      outputs: []
    });
  });

  it('fails a body that is not an object', () => {
    expect(parseReply(null)).toEqual({
      kind: 'failed',
      message: 'unreadable result'
    });
  });

  it('reads "Execution cancelled" as a cancellation only at the start of the message', () => {
    expect(classifyServerFailure('Kernel died. Execution cancelled.')).toEqual({
      kind: 'failed',
      message: 'Kernel died. Execution cancelled.'
    });
  });
});
