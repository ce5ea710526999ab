/**
 * Cells run together (Run All, quick Shift+Enter) on a backend that declares
 * `batch`: one request for all of them, so the server queues all or none.
 * On real YNotebooks synced in memory, with a server that keeps the queue
 * and writes the document as our jupyverse module does.
 */
import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { inputUnsupportedMessage } from '../execution/messages';
import { BatchingServer } from './batchingbackend';
import {
  rejectionOf,
  setupExecutor,
  type ExecutorHarness
} from './executorharness';
import { FakeServer, quietYjsWarnings, until } from './fakes';

quietYjsWarnings();

describe('a Run All on a backend that takes several cells in one request', () => {
  let h: ExecutorHarness;
  let server: BatchingServer;

  function setup(count: number) {
    h = setupExecutor(
      Array.from({ length: count }, (_, i) => ({
        id: `c${i + 1}`,
        source: `print(${i + 1})`
      })),
      { backend: doc => (server = new BatchingServer(doc)) }
    );
    return Array.from({ length: count }, (_, i) => h.run(i));
  }

  afterEach(() => h?.dispose());

  it('sends every cell in one request, in order, and each run ends with its own cell', async () => {
    const runs = setup(4);
    await until(() => server.posts.length === 1, 'the request');
    expect(server.posts[0].map(c => c.cellId)).toEqual([
      'c1',
      'c2',
      'c3',
      'c4'
    ]);
    expect(server.posts[0].map(c => c.code)).toEqual([
      'print(1)',
      'print(2)',
      'print(3)',
      'print(4)'
    ]);
    expect(server.submit).not.toHaveBeenCalled();
    for (let i = 0; i < 4; i++) {
      expect(h.model(i).executionState).toBe('running');
    }
    for (let i = 0; i < 4; i++) {
      server.start();
      server.finish();
      await expect(runs[i].promise).resolves.toBe(true);
      expect(h.model(i).executionCount).toBe(i + 1);
    }
    expect(server.posts.length).toBe(1);
    // Each cell was announced, accepted with its own request id, finished.
    const accepted = h.submissions.filter(
      e => e.phase === 'accepted' && !e.status
    );
    expect(accepted.map(e => [e.cellId, e.requestId])).toEqual([
      ['c1', 'req-1'],
      ['c2', 'req-2'],
      ['c3', 'req-3'],
      ['c4', 'req-4']
    ]);
  });

  it('stops at the failing cell: the cells after it never run and get their prompt back', async () => {
    const runs = setup(4);
    await until(() => server.posts.length === 1, 'the request');
    server.start();
    server.finish();
    await expect(runs[0].promise).resolves.toBe(true);
    server.start();
    server.finish('error');
    const error = await rejectionOf(runs[1].promise);
    expect(error.errorName).toBe('ZeroDivisionError');
    for (const i of [2, 3]) {
      const aborted = await rejectionOf(runs[i].promise);
      expect(aborted.message.startsWith('KernelReplyNotOK')).toBe(true);
      expect(h.model(i).executionState).toBe('idle');
      expect(h.model(i).executionCount).toBeNull();
    }
    expect(server.requests.map(r => r.status)).toEqual([
      'done',
      'done',
      'done',
      'done'
    ]);
    expect(server.requests[2].outcome).toMatchObject({
      kind: 'cancelled',
      reason: 'previous-failed'
    });
    expect(server.posts.length).toBe(1);
  });

  it('an interrupt leaves nothing queued or running, on the server or in the tab', async () => {
    const runs = setup(3);
    await until(() => server.posts.length === 1, 'the request');
    server.start();
    server.interrupt();
    for (const run of runs) {
      await rejectionOf(run.promise);
    }
    expect(await server.listInFlight('k1')).toEqual([]);
    for (let i = 0; i < 3; i++) {
      expect(h.model(i).executionState).toBe('idle');
    }
    // Every announced cell was also finished for the in-flight model.
    for (const id of ['c1', 'c2', 'c3']) {
      expect(
        h.submissions.filter(e => e.cellId === id && e.phase === 'finished')
      ).toHaveLength(1);
    }
  });

  it('a cell the server dropped without writing the document gets its prompt back', async () => {
    const runs = setup(2);
    await until(() => server.posts.length === 1, 'the request');
    server.start();
    server.drop('cancelled', 'The kernel restarted or stopped.', {
      writeDocument: false
    });
    // Dropped on the server, still [*] in the document, until the tab
    // learns how it ended.
    expect(h.model(1).executionState).toBe('running');
    await rejectionOf(runs[1].promise);
    expect(h.model(1).executionState).toBe('idle');
    expect(h.model(1).executionCount).toBeNull();
    expect(runs[1].onCellExecuted).toHaveBeenCalledWith(
      expect.objectContaining({ success: false })
    );
    server.finish();
    await expect(runs[0].promise).resolves.toBe(true);
  });

  it('a refused request runs nothing: the first cell says why, the others get their prompt back', async () => {
    h = setupExecutor(
      ['c1', 'c2', 'c3'].map(id => ({ id, source: `print('${id}')` })),
      {
        backend: doc => {
          server = new BatchingServer(doc);
          server.beforeQueue = () => {
            throw new Error('refused');
          };
          return server;
        }
      }
    );
    const runs = [h.run(0), h.run(1), h.run(2)];
    const first = await rejectionOf(runs[0].promise);
    expect(first.errorName).toBe('ServerExecutionError');
    for (const i of [1, 2]) {
      await rejectionOf(runs[i].promise);
      expect(h.model(i).executionState).toBe('idle');
      expect(h.model(i).outputs.length).toBe(0);
    }
    expect(h.model(0).executionState).toBe('idle');
    expect(server.requests).toEqual([]);
    for (const id of ['c1', 'c2', 'c3']) {
      expect(
        h.submissions.filter(e => e.cellId === id && e.phase === 'finished')
      ).toHaveLength(1);
    }
  });

  it('a cell run alone still goes in a request of its own', async () => {
    const runs = setup(1);
    await until(() => server.received() === 1, 'the request');
    expect(server.posts).toHaveLength(1);
    server.start();
    server.finish();
    await expect(runs[0].promise).resolves.toBe(true);
  });
});

describe('input() on a backend that cannot pass prompts on', () => {
  afterEach(() => jest.restoreAllMocks());

  it('fails the cell with a readable notice naming the server, and stops the Run All', async () => {
    const warning = jest.spyOn(Notification, 'warning');
    let server!: BatchingServer;
    const h = setupExecutor(
      [
        { id: 'c1', source: "input('name? ')" },
        { id: 'c2', source: "print('after')" }
      ],
      { backend: doc => (server = new BatchingServer(doc)) }
    );
    const runs = [h.run(0), h.run(1)];
    await until(() => server.posts.length === 1, 'the request');
    server.start();
    server.output({
      output_type: 'error',
      ename: 'StdinNotImplementedError',
      evalue:
        'raw_input was called, but this frontend does not support input requests.',
      traceback: []
    });
    server.finish('error');
    const error = await rejectionOf(runs[0].promise);
    expect(error.errorName).toBe('StdinNotImplementedError');
    await rejectionOf(runs[1].promise);
    expect(warning).toHaveBeenCalledTimes(1);
    expect(warning.mock.calls[0][0]).toContain('the batching server');
    expect(warning.mock.calls[0][0]).toContain('Run cells on the server');
    h.dispose();
  });

  it('says nothing for other errors, nor where the backend answers prompts', () => {
    const trans = nullTranslator.load('jupyterlab_handoff');
    const stdin = {
      kind: 'reply' as const,
      status: 'error' as const,
      executionCount: 1,
      outputs: [
        { output_type: 'error', ename: 'StdinNotImplementedError', evalue: '' }
      ]
    };
    const none = {
      label: 'jupyverse',
      capabilities: { ...new BatchingServer(null as any).capabilities }
    };
    expect(inputUnsupportedMessage(stdin, none, trans)).toContain('jupyverse');
    expect(
      inputUnsupportedMessage(
        {
          ...stdin,
          outputs: [{ output_type: 'error', ename: 'ZeroDivisionError' }]
        },
        none,
        trans
      )
    ).toBeNull();
    expect(
      inputUnsupportedMessage(
        stdin,
        {
          label: 'nbmodel',
          capabilities: { ...none.capabilities, input: 'request' }
        },
        trans
      )
    ).toBeNull();
  });
});

describe('a backend without batch (nbmodel)', () => {
  it('still gets one request per cell, each after the previous was accepted', async () => {
    const h = setupExecutor(
      ['c1', 'c2', 'c3'].map(id => ({ id, source: `print('${id}')` }))
    );
    const server = h.server as FakeServer;
    const runs = [h.run(0), h.run(1), h.run(2)];
    await until(() => server.submitted.length === 3, 'three requests');
    expect(server.submit).toHaveBeenCalledTimes(3);
    expect(server.submitted.map(s => s.cellId)).toEqual(['c1', 'c2', 'c3']);
    for (const r of [...server.requests.values()]) {
      server.run(r.requestId);
    }
    for (const run of runs) {
      await expect(run.promise).resolves.toBe(true);
    }
    h.dispose();
  });
});

describe('a cell run while another runs', () => {
  const sources = ['c1', 'c2'].map(id => ({ id, source: `print('${id}')` }));

  it('leaves the running cell alone: its outputs stay and it is not sent again (batch)', async () => {
    let server!: BatchingServer;
    const h = setupExecutor(sources, {
      backend: doc => (server = new BatchingServer(doc))
    });
    const first = h.run(0);
    await until(() => server.posts.length === 1, 'the first request');
    server.start();
    server.output({ output_type: 'stream', name: 'stdout', text: 'early\n' });
    await until(() => h.model(0).outputs.length === 1, 'the first output');
    const second = h.run(1);
    await until(() => server.posts.length === 2, 'the second request');
    expect(server.posts[1].map(c => c.cellId)).toEqual(['c2']);
    expect(h.model(0).outputs.length).toBe(1);
    expect(h.model(0).executionState).toBe('running');
    server.finish();
    await expect(first.promise).resolves.toBe(true);
    server.start();
    server.finish();
    await expect(second.promise).resolves.toBe(true);
    h.dispose();
  });

  it('sends a cell run again mid-run once, not with its running self (batch)', async () => {
    let server!: BatchingServer;
    const h = setupExecutor(sources, {
      backend: doc => (server = new BatchingServer(doc))
    });
    const first = h.run(0);
    await until(() => server.posts.length === 1, 'the first request');
    server.start();
    const again = h.run(0);
    await until(() => server.posts.length === 2, 'the second request');
    expect(server.posts[1].map(c => c.cellId)).toEqual(['c1']);
    server.finish();
    await expect(first.promise).resolves.toBe(true);
    server.start();
    server.finish();
    await expect(again.promise).resolves.toBe(true);
    expect(server.posts).toHaveLength(2);
    h.dispose();
  });

  it('leaves the running cell alone on a backend without batch (nbmodel)', async () => {
    const h = setupExecutor(sources);
    const server = h.server as FakeServer;
    const first = h.run(0);
    await until(() => server.submitted.length === 1, 'the first request');
    const { requestId } = server.requestFor('c1');
    server.start(requestId);
    server.output(requestId, {
      output_type: 'stream',
      name: 'stdout',
      text: 'early\n'
    });
    await until(() => h.model(0).outputs.length === 1, 'the first output');
    const second = h.run(1);
    await until(() => server.submitted.length === 2, 'the second request');
    expect(h.model(0).outputs.length).toBe(1);
    expect(h.model(0).executionState).toBe('running');
    server.run(requestId);
    await expect(first.promise).resolves.toBe(true);
    server.run(server.requestFor('c2').requestId);
    await expect(second.promise).resolves.toBe(true);
    h.dispose();
  });
});
