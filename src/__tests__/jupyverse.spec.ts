import { YCodeCell } from '@jupyter/ydoc';
import { ServerConnection } from '@jupyterlab/services';
import {
  JUPYVERSE_METADATA_KEY,
  JupyverseBackend,
  jupyverseFactory,
  parseOutcome
} from '../backend/jupyverse';
import { BackendError, type ISubmitOptions } from '../backend/types';
import type { IServerProbe } from '../tokens';

const BASE = 'http://localhost:8000/base/';

interface IRecorded {
  method: string;
  pathname: string;
  credentials: RequestCredentials;
  body: string;
}

type Reply = {
  status: number;
  body?: unknown;
  text?: string;
  statusText?: string;
};

function fakeServer() {
  const requests: IRecorded[] = [];
  const replies: Array<Reply | Error> = [];
  const fetch = jest.fn(async (input: RequestInfo): Promise<Response> => {
    const request = input as Request;
    requests.push({
      method: request.method,
      pathname: new URL(request.url).pathname,
      credentials: request.credentials,
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
      statusText: reply.statusText ?? ''
    });
  });
  const settings = ServerConnection.makeSettings({
    baseUrl: BASE,
    fetch,
    Request,
    Headers
  });
  return {
    backend: new JupyverseBackend(settings),
    requests,
    reply: (r: Reply | Error) => replies.push(r)
  };
}

function options(cellId: string, code = 'print(1)'): ISubmitOptions {
  return {
    kernelId: 'k1',
    code,
    cellId,
    documentId: 'json:notebook:f1',
    documentPath: null,
    recordTiming: false
  };
}

describe('JupyverseBackend', () => {
  it('queues a cell with the code the tab has, through the page cookie', async () => {
    const { backend, requests, reply } = fakeServer();
    reply({
      status: 202,
      body: { requests: [{ request_id: 'r1', cell_id: 'c1' }] }
    });
    const submission = await backend.submit(options('c1', 'x = 2'));
    expect(submission.requestId).toBe('r1');
    expect(requests[0].method).toBe('POST');
    expect(requests[0].pathname).toBe('/base/api/handoff/kernels/k1/execute');
    expect(JSON.parse(requests[0].body)).toEqual({
      document_id: 'json:notebook:f1',
      cells: [{ cell_id: 'c1', code: 'x = 2' }]
    });
    // jupyverse authenticates by its login cookie: same-origin requests send it.
    expect(requests[0].credentials).toBe('same-origin');
  });

  it('queues a Run All in one request, in order', async () => {
    const { backend, requests, reply } = fakeServer();
    reply({
      status: 202,
      body: {
        requests: ['a', 'b', 'c'].map(c => ({
          request_id: `r-${c}`,
          cell_id: c
        }))
      }
    });
    const submissions = await backend.submitBatch!(
      ['a', 'b', 'c'].map(c => options(c))
    );
    expect(submissions.map(s => s.requestId)).toEqual(['r-a', 'r-b', 'r-c']);
    expect(requests).toHaveLength(1);
    expect(
      JSON.parse(requests[0].body).cells.map(
        (c: { cell_id: string }) => c.cell_id
      )
    ).toEqual(['a', 'b', 'c']);
  });

  it('reports the message of the server on a refused submission', async () => {
    const { backend, reply } = fakeServer();
    reply({
      status: 400,
      body: { detail: 'The notebook has no cell with id c9.' }
    });
    await expect(backend.submit(options('c9'))).rejects.toEqual(
      new BackendError('http', 400, 'The notebook has no cell with id c9.')
    );
  });

  it('keeps a plain-text 500 readable', async () => {
    const { backend, reply } = fakeServer();
    reply({
      status: 500,
      text: 'Internal Server Error',
      statusText: 'Internal Server Error'
    });
    await expect(backend.submit(options('c1'))).rejects.toEqual(
      new BackendError('http', 500, 'Internal Server Error')
    );
  });

  it('says unreachable when the network fails', async () => {
    const { backend, reply } = fakeServer();
    reply(new TypeError('Failed to fetch'));
    await expect(backend.submit(options('c1'))).rejects.toMatchObject({
      kind: 'unreachable'
    });
  });

  it('rejects an answer without request ids', async () => {
    const { backend, reply } = fakeServer();
    reply({ status: 202, body: null });
    await expect(backend.submit(options('c1'))).rejects.toMatchObject({
      kind: 'malformed'
    });
  });

  it('reads progress and outcomes', async () => {
    const { backend, requests, reply } = fakeServer();
    const s = { requestId: 'r1' };
    reply({ status: 200, body: { status: 'queued', outcome: null } });
    expect(await backend.check!('k1', s)).toEqual({
      done: false,
      status: 'queued'
    });
    expect(requests[0].pathname).toBe(
      '/base/api/handoff/kernels/k1/requests/r1'
    );
    reply({ status: 200, body: { status: 'running', outcome: null } });
    expect(await backend.check!('k1', s)).toEqual({
      done: false,
      status: 'running'
    });
    reply({
      status: 200,
      body: {
        status: 'done',
        outcome: { kind: 'reply', status: 'error', execution_count: 3 }
      }
    });
    expect(await backend.check!('k1', s)).toEqual({
      done: true,
      outcome: {
        kind: 'reply',
        status: 'error',
        executionCount: 3,
        outputs: []
      }
    });
    reply({ status: 404, body: { detail: 'No such request' } });
    expect(await backend.check!('k1', s)).toEqual({
      done: true,
      outcome: { kind: 'consumed' }
    });
  });

  it('maps cancelled and failed outcomes', () => {
    expect(
      parseOutcome({
        kind: 'cancelled',
        reason: 'previous-failed',
        message: 'm'
      })
    ).toEqual({
      kind: 'cancelled',
      reason: 'previous-failed',
      message: 'm'
    });
    expect(
      parseOutcome({ kind: 'failed', message: 'The kernel restarted' })
    ).toEqual({
      kind: 'failed',
      message: 'The kernel restarted'
    });
    expect(parseOutcome(null).kind).toBe('failed');
  });

  it('lists what is queued and running', async () => {
    const { backend, reply } = fakeServer();
    reply({
      status: 200,
      body: [
        {
          request_id: 'r1',
          kernel_id: 'k1',
          cell_id: 'a',
          document_path: 'nb.ipynb',
          status: 'running'
        },
        {
          request_id: 'r2',
          kernel_id: 'k1',
          cell_id: 'b',
          document_path: null,
          status: 'queued'
        }
      ]
    });
    expect(await backend.listInFlight!('k1')).toEqual([
      {
        requestId: 'r1',
        kernelId: 'k1',
        cellId: 'a',
        documentPath: 'nb.ipynb',
        status: 'running'
      },
      {
        requestId: 'r2',
        kernelId: 'k1',
        cellId: 'b',
        documentPath: null,
        status: 'queued'
      }
    ]);
  });

  it('reads and clears its mark on a shared cell', () => {
    const { backend } = fakeServer();
    const cell = YCodeCell.create();
    expect(backend.readCellMark(cell)).toBeNull();
    cell.setMetadata(JUPYVERSE_METADATA_KEY, {
      requestId: 'r1',
      kernelId: 'k1',
      state: 'queued'
    });
    // Queued is not running: the listing tells the model it waits.
    expect(backend.readCellMark(cell)).toBeNull();
    cell.setMetadata(JUPYVERSE_METADATA_KEY, {
      requestId: 'r1',
      kernelId: 'k1',
      state: 'running'
    });
    expect(backend.readCellMark(cell)).toEqual({
      requestId: 'r1',
      kernelId: 'k1'
    });
    backend.clearCellMark(cell);
    expect(cell.getMetadata(JUPYVERSE_METADATA_KEY)).toBeUndefined();
  });
});

describe('jupyverseFactory', () => {
  function probe(status: number, body: unknown): IServerProbe {
    return {
      kernelId: 'k1',
      status: async () => status,
      json: async () => body,
      pageOption: () => ''
    };
  }

  it('recognises jupyverse with our module', async () => {
    expect(
      await jupyverseFactory.detect(
        probe(200, { server: 'jupyverse', queue: 'server' })
      )
    ).toBe(true);
    expect(await jupyverseFactory.detect(probe(404, null))).toBe(false);
    expect(await jupyverseFactory.detect(probe(200, { server: 'other' }))).toBe(
      false
    );
  });
});
