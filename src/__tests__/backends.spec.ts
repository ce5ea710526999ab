/**
 * The same scenarios on the richest, a batching and the poorest backend: the executor,
 * the in-flight model and the status wording driven through a run, a Run
 * All with an error in the middle, an interrupt and a reload. Only the
 * drivers below know which backend is which.
 */
import type { YNotebook } from '@jupyter/ydoc';
import { InFlightModel } from '../inflight/model';
import { summaryText } from '../inflight/summary';
import type { IExecutionBackend } from '../tokens';
import {
  rejectionOf,
  setupExecutor,
  type ExecutorHarness
} from './executorharness';
import { FakeServer, quietYjsWarnings, until } from './fakes';
import { PoorestServer } from './poorestbackend';
import { BatchingServer } from './batchingbackend';

quietYjsWarnings();

const KEY = 'nb.ipynb';

/** English with JupyterLab's `%1` placeholders. */
const trans = {
  __: (msgid: string, ...args: unknown[]) =>
    msgid.replace(/%(\d+)/g, (_, i) => String(args[Number(i) - 1])),
  _n: (one: string, many: string, n: number, ...args: unknown[]) =>
    (n === 1 ? one : many).replace(/%(\d+)/g, (_, i) =>
      String(args[Number(i) - 1])
    )
};

/** What a test does to the server, whatever it is. */
interface IDriver {
  backend: IExecutionBackend;
  /** How many cells the server has received. */
  received(): number;
  /** The server starts the next cell it has. */
  start(): void;
  /** The running cell ends. */
  finish(status?: 'ok' | 'error'): void;
  /** The kernel is interrupted: the running cell ends with an error. */
  interrupt(): void;
}

const DRIVERS: Array<[string, (doc: YNotebook) => IDriver]> = [
  [
    'nbmodel',
    doc => {
      const server = new FakeServer(doc);
      const running = () =>
        [...server.requests.values()].find(
          r => !r.result && r.status === 'running'
        )!;
      return {
        backend: server,
        received: () => server.submitted.length,
        start: () => server.start(server.queued()[0].requestId),
        finish: (status = 'ok') => {
          const r = running();
          if (status === 'error') {
            server.output(r.requestId, {
              output_type: 'error',
              ename: 'ZeroDivisionError',
              evalue: 'division by zero',
              traceback: []
            });
          }
          server.finish(r.requestId, status);
        },
        interrupt: () => {
          const r = running();
          server.output(r.requestId, {
            output_type: 'error',
            ename: 'KeyboardInterrupt',
            evalue: '',
            traceback: []
          });
          server.finish(r.requestId, 'error');
        }
      };
    }
  ],
  [
    'a batching server with its own queue (as our jupyverse module)',
    doc => {
      const server = new BatchingServer(doc);
      return {
        backend: server,
        received: () => server.received(),
        start: () => server.start(),
        finish: (status = 'ok') => server.finish(status),
        interrupt: () => server.interrupt()
      };
    }
  ],
  [
    'the poorest backend',
    doc => {
      const server = new PoorestServer(doc);
      return {
        backend: server,
        received: () => server.submitted.length,
        start: () => void server.start(),
        finish: (status = 'ok') => server.finish(status),
        interrupt: () => server.finish('error')
      };
    }
  ]
];

describe.each(DRIVERS)('on %s', (_, makeDriver) => {
  let h: ExecutorHarness;
  let driver: IDriver;
  let model: InFlightModel;

  function setup(ids: string[]) {
    let made: IDriver | null = null;
    model = new InFlightModel({ staleGraceMs: 1000 });
    h = setupExecutor(
      ids.map(id => ({ id, source: `print('${id}')` })),
      {
        backend: doc => (made = makeDriver(doc)).backend,
        executor: {
          onSubmission: event =>
            model.applySubmission({
              key: KEY,
              cellId: event.cellId,
              kernelId: event.kernelId,
              requestId: event.requestId,
              phase: event.phase,
              status: event.status
            })
        }
      }
    );
    driver = made!;
    model.resync(cell => driver.backend.readCellMark?.(cell) ?? null);
    model.addNotebook(KEY, h.tabDoc, 'k1');
    model.setKernelStatus('k1', 'busy');
    h.poller.listed.connect((_, { kernelId, requests }) =>
      model.applyListing(kernelId, requests)
    );
  }

  afterEach(() => {
    model?.dispose();
    h?.dispose();
  });

  const status = () => summaryText(model.counts(KEY), trans);

  it('a run: running on the server, then over when the document says so', async () => {
    setup(['c1']);
    const run = h.run(0);
    await until(() => driver.received() === 1, 'the submission');
    driver.start();
    await until(() => status() === '1 running on server', status());
    expect(run.result.state).toBe('pending');

    driver.finish();
    await expect(run.promise).resolves.toBe(true);
    await until(() => status() === 'Server idle', status());
    expect(h.model(0).executionState).toBe('idle');
    expect(h.model(0).executionCount).not.toBeNull();
    expect(model.entries(KEY)).toEqual([]);
  });

  it('a Run All with an error in the middle: the cells after it do not run', async () => {
    setup(['c1', 'c2', 'c3']);
    const runs = [h.run(0), h.run(1), h.run(2)];
    await until(() => driver.received() >= 1, 'the first submission');
    driver.start();
    await until(() => status() === '1 running · 2 queued on server', status());
    // Every queued cell shows [*] at once, as in stock JupyterLab.
    expect(h.model(1).executionState).toBe('running');
    expect(h.model(2).executionState).toBe('running');

    driver.finish();
    await expect(runs[0].promise).resolves.toBe(true);
    await until(() => driver.received() >= 2, 'the second submission');
    driver.start();
    await until(() => status() === '1 running · 1 queued on server', status());
    driver.finish('error');
    const error = await rejectionOf(runs[1].promise);
    expect(error.errorName).toBe('ZeroDivisionError');

    // The third is aborted without running (never sent, or dropped).
    await rejectionOf(runs[2].promise);
    expect(runs[2].onCellExecuted).toHaveBeenCalledWith(
      expect.objectContaining({ success: false })
    );
    await until(() => status() === 'Server idle', status());
    expect(h.model(2).executionState).toBe('idle');
    expect(h.model(2).executionCount).toBeNull();
    if (driver.backend.capabilities.queue === 'tab') {
      expect(driver.received()).toBe(2);
      expect((driver.backend as PoorestServer).overlapped).toBe(false);
    }
  });

  it('an interrupt: the running cell fails, nothing stays queued or running', async () => {
    setup(['c1', 'c2', 'c3']);
    const runs = [h.run(0), h.run(1), h.run(2)];
    await until(() => driver.received() >= 1, 'the first submission');
    driver.start();
    await until(() => status() === '1 running · 2 queued on server', status());
    driver.interrupt();
    model.interrupted('k1');
    await rejectionOf(runs[0].promise);
    await rejectionOf(runs[1].promise);
    await rejectionOf(runs[2].promise);
    model.setKernelStatus('k1', 'idle');
    await until(() => status() === 'Server idle', status());
    for (let i = 0; i < 3; i++) {
      expect(h.model(i).executionState).toBe('idle');
    }
  });

  it('a reload mid-run: a new tab shows what the server is doing from the document', async () => {
    setup(['c1', 'c2']);
    const runs = [h.run(0), h.run(1)];
    await until(() => driver.received() >= 1, 'the first submission');
    driver.start();
    await until(() => status() === '1 running · 1 queued on server', status());

    // The reloaded tab knows only the document (and the kernel).
    const reloaded = new InFlightModel({ staleGraceMs: 1000 });
    reloaded.resync(cell => driver.backend.readCellMark?.(cell) ?? null);
    reloaded.addNotebook(KEY, h.serverDoc, 'k1');
    reloaded.setKernelStatus('k1', 'busy');
    expect(summaryText(reloaded.counts(KEY), trans)).toBe(
      '1 running · 1 queued on server'
    );
    expect(reloaded.entry(KEY, 'c1')).toMatchObject({
      state: 'running',
      ours: false,
      source: 'document'
    });

    driver.finish();
    await expect(runs[0].promise).resolves.toBe(true);
    await until(() => driver.received() >= 2, 'the second submission');
    driver.start();
    driver.finish();
    await expect(runs[1].promise).resolves.toBe(true);
    expect(summaryText(reloaded.counts(KEY), trans)).toBe('Server idle');
    reloaded.dispose();
  });
});
