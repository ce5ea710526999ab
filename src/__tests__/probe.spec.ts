/**
 * Choosing the backend: the registry's probe against a fake fetch that
 * answers by route, as each server family does.
 */
import { ServerConnection } from '@jupyterlab/services';
import { NBMODEL_CAPABILITIES, nbmodelFactory } from '../backend/nbmodel';
import { BackendRegistry } from '../backend/registry';
import { serverDocumentsFactory } from '../backend/serverdocuments';
import type { IBackendFactory } from '../tokens';

const BASE = 'http://localhost:8888/base/';

type Route = { status: number; body?: unknown } | Error;

/** A server: `METHOD /path` → answer; anything else 404. */
function server(routes: Record<string, Route>) {
  const asked: string[] = [];
  const fetch = jest.fn(async (input: RequestInfo): Promise<Response> => {
    const request = input as Request;
    const url = new URL(request.url);
    const key = `${request.method} ${url.pathname.replace('/base', '')}`;
    asked.push(key);
    const route = routes[key] ?? { status: 404 };
    if (route instanceof Error) {
      throw route;
    }
    return new Response(
      route.body === undefined ? '' : JSON.stringify(route.body),
      { status: route.status }
    );
  });
  const settings = ServerConnection.makeSettings({
    baseUrl: BASE,
    token: 'secret',
    fetch,
    Request,
    Headers
  });
  return { settings, asked, fetch, routes };
}

/** Stands for jupyverse in these tests: its positive evidence is a page option. */
const jupyverseLike: IBackendFactory = {
  id: 'jupyverse',
  label: 'jupyverse',
  rank: 40,
  detect: async probe =>
    (await probe.status(`api/kernels/${probe.kernelId}/execute`)) === 405 &&
    probe.pageOption('serverName') === 'jupyverse',
  create: () => null
};

function registry(routes: Record<string, Route>, page = '') {
  const s = server(routes);
  const reg = new BackendRegistry({
    serverSettings: s.settings,
    pageOption: name => (name === 'serverName' ? page : ''),
    retryMs: 10,
    retryMaxMs: 40
  });
  reg.register(nbmodelFactory);
  reg.register(serverDocumentsFactory);
  reg.register(jupyverseLike);
  return { reg, ...s };
}

describe('BackendRegistry (the probe)', () => {
  afterEach(() => jest.useRealTimers());

  it('200 with a requests array: jupyter-server-nbmodel, with its token', async () => {
    const { reg, fetch } = registry({
      'GET /api/kernels/k1/execute': { status: 200, body: { requests: [] } }
    });
    const decision = await reg.decide('k1');
    expect(decision.kind).toBe('backend');
    expect(decision.kind === 'backend' && decision.backend.id).toBe(
      'jupyter-server-nbmodel'
    );
    const request = fetch.mock.calls[0][0] as Request;
    expect(request.headers.get('Authorization')).toBe('token secret');
  });

  it("the probe's listing is the probed kernel's first listing, read once and only while fresh", async () => {
    const listed = (id: string) => ({
      status: 200,
      body: {
        requests: [
          {
            request_id: id,
            kernel_id: 'k1',
            cell_id: 'c1',
            request_status: 'running'
          }
        ]
      }
    });
    const { reg, asked, routes } = registry({
      'GET /api/kernels/k1/execute': listed('r-probe'),
      'GET /api/kernels/k2/execute': { status: 200, body: { requests: [] } }
    });
    const decision = await reg.decide('k1');
    const backend = decision.kind === 'backend' ? decision.backend : null;
    const reads = () =>
      asked.filter(a => a === 'GET /api/kernels/k1/execute').length;
    expect(reads()).toBe(1);
    routes['GET /api/kernels/k1/execute'] = listed('r-server');

    // Another kernel is read from the server, and does not use it up.
    await backend!.listInFlight!('k2');
    const first = await backend!.listInFlight!('k1');
    expect(first).toEqual([
      {
        requestId: 'r-probe',
        kernelId: 'k1',
        cellId: 'c1',
        documentPath: null,
        status: 'running'
      }
    ]);
    expect(reads()).toBe(1);
    // Once only: the next read asks the server.
    const second = await backend!.listInFlight!('k1');
    expect(second.map(r => r.requestId)).toEqual(['r-server']);
    expect(reads()).toBe(2);

    // Asked for too late, it is not used: the server is asked.
    const late = registry({ 'GET /api/kernels/k1/execute': listed('r-old') });
    const lateDecision = await late.reg.decide('k1');
    const lateBackend =
      lateDecision.kind === 'backend' ? lateDecision.backend : null;
    late.routes['GET /api/kernels/k1/execute'] = listed('r-now');
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 501);
    try {
      const lateRead = await lateBackend!.listInFlight!('k1');
      expect(lateRead.map(r => r.requestId)).toEqual(['r-now']);
    } finally {
      clock.mockRestore();
    }
  });

  it("nbmodel's kernel notes are the server's only where our server part offers them", async () => {
    const offered = registry({
      'GET /api/kernels/k1/execute': { status: 200, body: { requests: [] } },
      'GET /api/handoff': {
        status: 200,
        body: { server: 'jupyter-server', offers: ['kernel-notes'] }
      }
    });
    const withPart = await offered.reg.decide('k1');
    expect(
      withPart.kind === 'backend' && withPart.backend.capabilities.kernelNotes
    ).toBe('server');
    // Disabled or not installed: the tab writes them.
    for (const answer of [
      { status: 404 },
      { status: 200, body: { server: 'jupyter-server', offers: [] } }
    ]) {
      const bare = registry({
        'GET /api/kernels/k1/execute': { status: 200, body: { requests: [] } },
        'GET /api/handoff': answer
      });
      const decision = await bare.reg.decide('k1');
      expect(
        decision.kind === 'backend' && decision.backend.capabilities.kernelNotes
      ).toBe('tab');
    }
  });

  it('nbmodel takes several cells in one request only where our server part offers it', async () => {
    const decide = async (answer: Route) => {
      const { reg } = registry({
        'GET /api/kernels/k1/execute': { status: 200, body: { requests: [] } },
        'GET /api/handoff': answer
      });
      const decision = await reg.decide('k1');
      return decision.kind === 'backend' && decision.backend.capabilities;
    };
    const offered = await decide({
      status: 200,
      body: { server: 'jupyter-server', offers: ['batch-execute'] }
    });
    expect(offered && offered.batch).toBe(true);
    // Offered alone: the notes stay the tab's.
    expect(offered && offered.kernelNotes).toBe('tab');
    for (const answer of [
      { status: 404 },
      {
        status: 200,
        body: { server: 'jupyter-server', offers: ['kernel-notes'] }
      },
      { status: 200, body: { server: 'jupyverse', offers: ['batch-execute'] } }
    ]) {
      const bare = await decide(answer);
      expect(bare && bare.batch).toBe(false);
    }
  });

  it('decides once per page load, and again after reset', async () => {
    const { reg, asked } = registry({
      'GET /api/kernels/k1/execute': { status: 200, body: { requests: [] } }
    });
    const decided: string[] = [];
    reg.decided.connect((_, d) => decided.push(d.kind));
    await reg.decide('k1');
    await reg.decide('k1');
    await reg.decide('k2');
    expect(asked.filter(a => a.includes('execute'))).toHaveLength(1);
    reg.reset();
    expect(reg.decision).toBeNull();
    await reg.decide('k1');
    expect(asked.filter(a => a.includes('execute'))).toHaveLength(2);
    expect(decided).toEqual(['backend', 'backend']);
  });

  it('405 with api/fileid/index: jupyter-server-documents, known but not supported', async () => {
    const { reg } = registry({
      'GET /api/kernels/k1/execute': { status: 405 },
      'GET /api/fileid/index': { status: 405 }
    });
    await expect(reg.decide('k1')).resolves.toEqual({
      kind: 'unsupported',
      id: 'jupyter-server-documents',
      label: 'jupyter-server-documents'
    });
  });

  it('405 with jupyverse evidence: jupyverse', async () => {
    const { reg } = registry(
      { 'GET /api/kernels/k1/execute': { status: 405 } },
      'jupyverse'
    );
    await expect(reg.decide('k1')).resolves.toEqual({
      kind: 'unsupported',
      id: 'jupyverse',
      label: 'jupyverse'
    });
  });

  it('405 without evidence for any dialect: unknown, never a guess', async () => {
    const { reg } = registry({
      'GET /api/kernels/k1/execute': { status: 405 }
    });
    await expect(reg.decide('k1')).resolves.toEqual({
      kind: 'unknown',
      status: 405
    });
  });

  it('200 without a listing body is not nbmodel', async () => {
    const { reg } = registry({
      'GET /api/kernels/k1/execute': { status: 200, body: { kernel_id: 'k1' } }
    });
    await expect(reg.decide('k1')).resolves.toEqual({
      kind: 'unknown',
      status: 200
    });
  });

  it('404: no execute route, naming what would add one', async () => {
    const { reg } = registry({});
    await expect(reg.decide('k1')).resolves.toEqual({
      kind: 'none',
      installHint: 'jupyter-server-nbmodel'
    });
  });

  it('a network error rejects, is retried with backoff, and decides once the server answers', async () => {
    const { reg, routes, asked } = registry({
      'GET /api/kernels/k1/execute': new TypeError('Failed to fetch')
    });
    const decided: string[] = [];
    reg.decided.connect((_, d) => decided.push(d.kind));
    await expect(reg.decide('k1')).rejects.toMatchObject({
      kind: 'unreachable'
    });
    expect(reg.decision).toBeNull();
    await new Promise(resolve => setTimeout(resolve, 100));
    expect(asked.length).toBeGreaterThan(1);
    expect(decided).toEqual([]);
    routes['GET /api/kernels/k1/execute'] = {
      status: 200,
      body: { requests: [] }
    };
    const deadline = Date.now() + 3000;
    while (!reg.decision && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 10));
    }
    expect(decided).toEqual(['backend']);
    reg.reset();
  });

  it('a registered backend takes part in the next decision', async () => {
    const { reg } = registry({
      'GET /api/kernels/k1/execute': { status: 405 }
    });
    expect((await reg.decide('k1')).kind).toBe('unknown');
    const fourth = {
      id: 'fourth',
      label: 'A fourth dialect',
      capabilities: NBMODEL_CAPABILITIES,
      submit: jest.fn()
    };
    const handle = reg.register({
      id: 'fourth',
      label: 'A fourth dialect',
      detect: async probe =>
        (await probe.status(`api/kernels/${probe.kernelId}/execute`)) === 405,
      create: () => fourth
    });
    expect(reg.decision).toBeNull();
    const decision = await reg.decide('k1');
    expect(decision.kind === 'backend' && decision.backend).toBe(fourth);
    handle.dispose();
    expect((await reg.decide('k1')).kind).toBe('unknown');
  });
});
