import type { CellChange } from '@jupyter/ydoc';
import type { CodeCellModel } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import { BackendError } from '../backend/types';
import { DEFAULT_SETTINGS } from '../settings';
import { codeCell, deferred, quietYjsWarnings, sleep, until } from './fakes';
import {
  rejectionOf,
  setupExecutor as setup,
  STALE_OUTPUT,
  type ExecutorHarness as Harness
} from './executorharness';

quietYjsWarnings();

describe('HandoffExecutor', () => {
  let h: Harness;

  afterEach(() => {
    h?.dispose();
  });

  describe('order', () => {
    it('submits cells run at once in notebook order, even when the first POST is slow', async () => {
      h = setup(
        ['c1', 'c2', 'c3', 'c4', 'c5'].map(id => ({
          id,
          source: `print('${id}')`
        }))
      );
      const slow = deferred();
      h.server.beforeAccept = (_, index) =>
        index === 0 ? slow.promise : undefined;

      // As NotebookActions.runCells does: every cell at once.
      const runs = [0, 1, 2, 3, 4].map(index => h.run(index));
      await until(() => h.server.submitted.length === 1, 'the first POST');
      await sleep(50);
      // Nobody overtakes the first cell while its POST is pending.
      expect(h.server.submitted).toHaveLength(1);

      slow.resolve();
      await until(() => h.server.submitted.length === 5, 'every POST');
      expect(h.server.submitted.map(s => s.cellId)).toEqual([
        'c1',
        'c2',
        'c3',
        'c4',
        'c5'
      ]);
      expect(h.server.submitted.map(s => s.code)).toEqual(
        ['c1', 'c2', 'c3', 'c4', 'c5'].map(id => `print('${id}')`)
      );
      expect(
        h.server.submitted.every(
          s =>
            s.kernelId === 'k1' &&
            s.documentId === 'json:notebook:abc' &&
            s.documentPath === 'nb.ipynb'
        )
      ).toBe(true);
      // The backend was asked for once per cell (the registry caches it).
      expect(h.backends.decide).toHaveBeenCalledTimes(5);

      // The server runs them one by one.
      const counts = h.server.queued().map(r => h.server.run(r.requestId));
      await expect(Promise.all(runs.map(r => r.promise))).resolves.toEqual([
        true,
        true,
        true,
        true,
        true
      ]);
      expect([0, 1, 2, 3, 4].map(i => h.model(i).executionCount)).toEqual(
        counts
      );
    });
  });

  describe('before the POST', () => {
    it('a run while the session is still starting waits for its kernel and is submitted', async () => {
      h = setup();
      const started = deferred();
      // As a SessionContext right after the notebook opened.
      Object.assign(h.sessionContext, {
        isReady: false,
        ready: started.promise,
        hasNoKernel: true
      });
      h.sessionContext.session.kernel = null;

      const run = h.run(0);
      await sleep(50);
      expect(h.server.submitted).toHaveLength(0);
      expect(run.result.state).toBe('pending');

      h.sessionContext.session.kernel = { id: 'k1' };
      Object.assign(h.sessionContext, { isReady: true, hasNoKernel: false });
      started.resolve();
      await until(() => h.server.submitted.length === 1, 'the POST');
      expect(h.clientRunCell).not.toHaveBeenCalled();
      h.server.run(h.server.queued()[0].requestId);
      await expect(run.promise).resolves.toBe(true);
    });

    it('a run while a kernel change is being patched waits for the kernel and is submitted', async () => {
      h = setup();
      // The session is ready, a kernel is pending (hasNoKernel is false), the
      // session has no kernel yet.
      h.sessionContext.session.kernel = null;

      const run = h.run(0);
      await sleep(50);
      expect(h.server.submitted).toHaveLength(0);
      expect(run.result.state).toBe('pending');

      h.sessionContext.session.kernel = { id: 'k1' };
      h.sessionContext.kernelChanged.emit({});
      await until(() => h.server.submitted.length === 1, 'the POST');
      expect(h.clientRunCell).not.toHaveBeenCalled();
      h.server.run(h.server.queued()[0].requestId);
      await expect(run.promise).resolves.toBe(true);
    });

    it('clears the cell, resets the count and marks it running in one transaction, and trusts it', async () => {
      h = setup();
      const serverCell = codeCell(h.serverDoc, 'c1');
      const model = h.model(0);
      expect(model.trusted).toBe(false);
      expect(model.outputs.length).toBe(1);

      const events: Partial<CellChange>[] = [];
      serverCell.changed.connect((_, change) => events.push(change));
      const updatesBefore = h.tabUpdates.length;

      let seen: {
        events: Partial<CellChange>[];
        updates: number;
        outputs: unknown[];
        count: number | null;
        state: string;
        trusted: boolean;
        outputHidden: boolean;
        scheduled: number;
      } | null = null;
      const run = h.run(0);
      h.server.beforeQueue = () => {
        seen = {
          events: [...events],
          updates: h.tabUpdates.length - updatesBefore,
          outputs: serverCell.getOutputs(),
          count: serverCell.execution_count,
          state: serverCell.executionState,
          trusted: model.trusted,
          outputHidden: h.cells[0].outputHidden,
          scheduled: run.onCellExecutionScheduled.mock.calls.length
        };
      };
      await until(() => h.server.submitted.length === 1, 'the POST');

      expect(seen).not.toBeNull();
      const s = seen!;
      // What the server (and every other client) sees at POST time.
      expect(s.outputs).toEqual([]);
      expect(s.count).toBeNull();
      expect(s.state).toBe('running');
      // ... arrived as one update, seen as one change of the cell.
      expect(s.updates).toBe(1);
      expect(s.events).toHaveLength(1);
      expect(s.events[0].outputsChange).toBeDefined();
      expect(s.events[0].executionCountChange).toEqual({
        oldValue: 2,
        newValue: null
      });
      expect(s.events[0].executionStateChange?.newValue).toBe('running');
      // Trusted, outputs shown, and announced before the POST.
      expect(s.trusted).toBe(true);
      expect(s.outputHidden).toBe(false);
      expect(s.scheduled).toBe(1);
      expect(run.onCellExecutionScheduled).toHaveBeenCalledWith({
        cell: h.cells[0]
      });

      h.server.run(h.server.requestFor('c1').requestId);
      await expect(run.promise).resolves.toBe(true);
    });

    it('marks every cell of a Run All queued in one update, before the first POST', async () => {
      const ids = ['c1', 'c2', 'c3', 'c4', 'c5'];
      h = setup([
        ...ids.map((id, i) => ({
          id,
          source: `print('${id}')`,
          outputs: [STALE_OUTPUT],
          execution_count: i + 10
        })),
        { id: 'empty', source: '  ', execution_count: 3 }
      ]);
      const updatesBefore = h.tabUpdates.length;
      let atFirstPost: { updates: number; cells: unknown[] } | null = null;
      h.server.beforeQueue = (_, index) => {
        if (index === 0) {
          atFirstPost = {
            updates: h.tabUpdates.length - updatesBefore,
            cells: ids.map(id => {
              const cell = codeCell(h.serverDoc, id);
              return [cell.executionState, cell.execution_count, cell.outputs];
            })
          };
        }
      };
      const runs = [0, 1, 2, 3, 4, 5].map(index => h.run(index));
      await until(() => h.server.submitted.length === 5, 'every POST');
      expect(atFirstPost).toEqual({
        updates: 1,
        cells: ids.map(() => ['running', null, []])
      });
      // Nothing more from the tab while the later cells were submitted, but
      // the empty cell's clear (one update per cell would make 6).
      expect(h.tabUpdates.length - updatesBefore).toBe(2);
      expect(ids.map((_, i) => h.model(i).trusted)).toEqual(
        ids.map(() => true)
      );
      // The empty cell is cleared at its turn, as JupyterLab does.
      expect(h.model(5).executionCount).toBeNull();
      expect(h.model(5).executionState).toBe('idle');

      const counts = h.server.queued().map(r => h.server.run(r.requestId));
      await expect(Promise.all(runs.map(r => r.promise))).resolves.toEqual(
        ids.map(() => true).concat([true])
      );
      expect(ids.map((_, i) => h.model(i).executionCount)).toEqual(counts);
      expect(
        runs.map(r => r.onCellExecutionScheduled.mock.calls.length)
      ).toEqual([1, 1, 1, 1, 1, 0]);
    });

    it('puts back the prompt of a cell marked in advance that then runs in the tab', async () => {
      h = setup([
        { id: 'c1', source: 'print(1)' },
        { id: 'c2', source: 'print(2)', execution_count: 4 }
      ]);
      const slow = deferred();
      h.server.beforeAccept = () => slow.promise;
      let stateWhenRunInTab: string | null = null;
      h.clientRunCell.mockImplementation(async options => {
        stateWhenRunInTab = (options.cell.model as CodeCellModel)
          .executionState;
        return true;
      });
      const first = h.run(0);
      const second = h.run(1);
      await until(() => h.server.submitted.length === 1, 'the first POST');
      expect(h.model(1).executionState).toBe('running');
      // The user switches server-side execution off while c2 waits.
      h.settings.current = { ...DEFAULT_SETTINGS, serverSideExecution: false };
      slow.resolve();
      await expect(second.promise).resolves.toBe(true);
      expect(h.clientRunCell).toHaveBeenCalledWith(second.options);
      // JupyterLab's executor found the cell as any other, and marks it itself.
      expect(stateWhenRunInTab).toBe('idle');
      expect(h.server.submitted).toHaveLength(1);
      h.server.run(h.server.requestFor('c1').requestId);
      await expect(first.promise).resolves.toBe(true);
    });

    it.each([
      [false, null],
      [true, 'nb.ipynb']
    ])(
      'sends the notebook path only when another notebook uses the kernel (%s)',
      async (shared, documentPath) => {
        const kernelShared = jest.fn(() => shared);
        h = setup(undefined, { executor: { kernelShared } });
        const run = h.run(0);
        await until(() => h.server.submitted.length === 1, 'the POST');
        expect(kernelShared).toHaveBeenCalledWith('k1', 'nb.ipynb');
        expect(h.server.submitted[0]).toMatchObject({
          documentId: 'json:notebook:abc',
          documentPath
        });
        h.server.run(h.server.requestFor('c1').requestId);
        await expect(run.promise).resolves.toBe(true);
      }
    );

    it('empties deletedCells as JupyterLab does', async () => {
      h = setup();
      h.notebook.deletedCells.push('gone-1', 'gone-2');
      const run = h.run(0);
      await until(() => h.server.submitted.length === 1, 'the POST');
      expect(h.notebook.deletedCells).toEqual([]);
      h.server.run(h.server.requestFor('c1').requestId);
      await run.promise;
    });
  });

  describe('completion', () => {
    it('resolves when the document says idle with a count, not on the 202', async () => {
      h = setup();
      const run = h.run(0);
      await until(() => h.server.submitted.length === 1, 'the POST');
      const { requestId } = h.server.requestFor('c1');
      await until(
        () => h.submissions.some(e => e.phase === 'accepted'),
        'the 202'
      );
      await sleep(40);
      expect(run.result.state).toBe('pending');

      h.server.start(requestId);
      h.server.output(requestId, {
        output_type: 'stream',
        name: 'stdout',
        text: '1\n'
      });
      await until(() => h.server.listInFlight.mock.calls.length >= 3, 'polls');
      expect(run.result.state).toBe('pending');
      expect(run.onCellExecutionScheduled).toHaveBeenCalledTimes(1);
      expect(run.onCellExecuted).not.toHaveBeenCalled();
      expect(h.model(0).executionState).toBe('running');

      const count = h.server.finish(requestId);
      await expect(run.promise).resolves.toBe(true);
      expect(run.onCellExecuted).toHaveBeenCalledTimes(1);
      expect(run.onCellExecuted).toHaveBeenCalledWith({
        cell: h.cells[0],
        success: true
      });
      expect(h.model(0).executionCount).toBe(count);
      expect(h.model(0).executionState).toBe('idle');
      expect(h.model(0).outputs.toJSON()).toEqual([
        { output_type: 'stream', name: 'stdout', text: '1\n' }
      ]);
      // The phases, with the statuses the server's listing reported in
      // between (how many depends on when it was polled), each once.
      const events = h.submissions.map(e => [
        e.phase,
        e.requestId,
        e.success ?? e.status
      ]);
      expect(events.slice(0, 2)).toEqual([
        ['submitting', null, undefined],
        ['accepted', requestId, undefined]
      ]);
      expect(events[events.length - 1]).toEqual(['finished', requestId, true]);
      const reported = events.slice(2, -1);
      for (const [phase, id, status] of reported) {
        expect([phase, id]).toEqual(['accepted', requestId]);
        expect(['queued', 'running']).toContain(status);
      }
      expect(new Set(reported.map(e => e[2])).size).toBe(reported.length);
    });

    it('clears an empty cell without posting it', async () => {
      h = setup([
        {
          id: 'c1',
          source: '   \n',
          outputs: [STALE_OUTPUT],
          execution_count: 4
        }
      ]);
      const run = h.run(0);
      await expect(run.promise).resolves.toBe(true);
      expect(h.server.submit).not.toHaveBeenCalled();
      expect(h.model(0).outputs.length).toBe(0);
      expect(h.model(0).executionCount).toBeNull();
      expect(run.onCellExecuted).toHaveBeenCalledWith({
        cell: h.cells[0],
        success: true
      });
    });
  });

  describe('errors', () => {
    it('throws a KernelError on an error reply and aborts the cells queued behind it', async () => {
      h = setup([
        { id: 'c1', source: '1/0' },
        { id: 'c2', source: 'print(2)' },
        { id: 'c3', source: 'print(3)', execution_count: 7 },
        { id: 'c4', source: 'print(4)', execution_count: 8 }
      ]);
      // The POST of c2 reaches the server but its 202 is slow, so c3 and c4
      // are still waiting in the tab when c1 fails.
      const slow = deferred();
      h.server.beforeAccept = (_, index) =>
        index === 1 ? slow.promise : undefined;
      const runs = [0, 1, 2, 3].map(index => h.run(index));
      await until(() => h.server.submitted.length === 2, 'two POSTs');

      const first = h.server.requestFor('c1').requestId;
      h.server.start(first);
      const error = {
        output_type: 'error',
        ename: 'ZeroDivisionError',
        evalue: 'division by zero',
        traceback: ['Traceback...', 'ZeroDivisionError: division by zero']
      };
      h.server.output(first, error);
      h.server.finish(first, 'error');

      const thrown = await rejectionOf(runs[0].promise);
      expect(thrown.message.startsWith('KernelReplyNotOK')).toBe(true);
      expect(thrown.errorName).toBe('ZeroDivisionError');
      expect(thrown.errorValue).toBe('division by zero');
      expect(thrown.traceback).toEqual(error.traceback);
      expect(runs[0].onCellExecuted).toHaveBeenCalledWith({
        cell: h.cells[0],
        success: false,
        error: thrown
      });
      expect(h.submissions[h.submissions.length - 1]).toMatchObject({
        cellId: 'c1',
        phase: 'finished',
        success: false
      });

      slow.resolve();
      for (const index of [1, 2, 3]) {
        const aborted = await rejectionOf(runs[index].promise);
        expect(aborted.message.startsWith('KernelReplyNotOK')).toBe(true);
        expect(runs[index].onCellExecuted).toHaveBeenCalledWith({
          cell: h.cells[index],
          success: false,
          error: aborted
        });
      }
      // c3 and c4 never reached the server.
      expect(h.server.submitted.map(s => s.cellId)).toEqual(['c1', 'c2']);
      // c2 was dropped by the server: its [*] is put back.
      expect(h.model(1).executionState).toBe('idle');
      expect(codeCell(h.serverDoc, 'c2').executionState).toBe('idle');
      // c3 and c4 were cleared and marked when the run was scheduled, as
      // stock JupyterLab does; aborted, they are back to `[ ]`.
      for (const index of [2, 3]) {
        expect(h.model(index).executionState).toBe('idle');
        expect(h.model(index).executionCount).toBeNull();
        expect(codeCell(h.serverDoc, `c${index + 1}`).executionState).toBe(
          'idle'
        );
      }
    });

    it('does not stop the queue for a cell tagged raises-exception', async () => {
      h = setup([
        { id: 'c1', source: '1/0', tags: ['raises-exception'] },
        { id: 'c2', source: 'print(2)' }
      ]);
      const slow = deferred();
      h.server.beforeAccept = (_, index) =>
        index === 0 ? undefined : slow.promise;
      const runs = [h.run(0), h.run(1)];
      await until(() => h.server.submitted.length === 2, 'two POSTs');
      // Still within c2's POST: c1 fails.
      const first = h.server.requestFor('c1').requestId;
      h.server.start(first);
      h.server.finish(first, 'error');
      // The fake server, like nbmodel, cancelled the queued c2 whatever the
      // tag; undo that, to check that the tab does not abort it on its own.
      const second = h.server.requestFor('c2').requestId;
      h.server.requests.get(second)!.result = null;
      await rejectionOf(runs[0].promise);
      slow.resolve();
      await sleep(20);
      h.server.run(second);
      await expect(runs[1].promise).resolves.toBe(true);
    });

    it.each([
      [
        'unreachable',
        new BackendError('unreachable', null, 'Failed to fetch'),
        ['could not be reached', 'Failed to fetch']
      ],
      [
        'http 500',
        new BackendError('http', 500, 'Internal Server Error'),
        ['HTTP 500', 'Internal Server Error']
      ]
    ])(
      'never leaves the cell running when the POST fails (%s)',
      async (_, failure, words) => {
        h = setup([
          {
            id: 'c1',
            source: 'print(1)',
            outputs: [STALE_OUTPUT],
            execution_count: 2
          },
          { id: 'c2', source: 'print(2)' }
        ]);
        h.server.beforeQueue = (_options, index) => {
          if (index === 0) {
            throw failure;
          }
        };
        const runs = [h.run(0), h.run(1)];
        const thrown = await rejectionOf(runs[0].promise);
        expect(thrown.message.startsWith('KernelReplyNotOK')).toBe(true);
        expect(thrown.errorName).toBe('ServerExecutionError');
        for (const word of words) {
          expect(thrown.errorValue).toContain(word);
        }
        expect(runs[0].onCellExecuted).toHaveBeenCalledWith({
          cell: h.cells[0],
          success: false,
          error: thrown
        });

        const model = h.model(0);
        expect(model.executionState).toBe('idle');
        expect(codeCell(h.serverDoc, 'c1').executionState).toBe('idle');
        // What every client sees.
        const outputs = codeCell(h.serverDoc, 'c1').getOutputs();
        expect(outputs).toHaveLength(1);
        expect(outputs[0]).toMatchObject({
          output_type: 'error',
          ename: 'ServerExecutionError'
        });
        for (const word of words) {
          expect((outputs[0] as nbformat.IError).evalue).toContain(word);
        }
        // What this tab shows: the same, once (an add inside an outer
        // transaction used to show it twice here).
        expect(model.outputs.toJSON()).toEqual(outputs);

        // The cell behind it does not run.
        await rejectionOf(runs[1].promise);
        expect(h.server.submitted.map(s => s.cellId)).toEqual(['c1']);
        expect(h.submissions[h.submissions.length - 1]).toMatchObject({
          phase: 'finished',
          success: false
        });
      }
    );

    it('keeps what the server already wrote when the 202 is lost', async () => {
      h = setup();
      // The POST reaches the server, which starts the cell, but the answer
      // never comes back.
      h.server.beforeAccept = options => {
        const { requestId } = h.server.requestFor(options.cellId);
        h.server.start(requestId);
        h.server.output(requestId, {
          output_type: 'stream',
          name: 'stdout',
          text: 'partial\n'
        });
        throw new BackendError('unreachable', null, 'connection reset');
      };
      const run = h.run(0);
      await rejectionOf(run.promise);
      const outputs = codeCell(h.serverDoc, 'c1').getOutputs();
      expect(outputs).toHaveLength(2);
      expect(outputs[0]).toEqual({
        output_type: 'stream',
        name: 'stdout',
        text: 'partial\n'
      });
      expect(outputs[1]).toMatchObject({ output_type: 'error' });
      expect(h.model(0).outputs.toJSON()).toEqual(outputs);
      expect(h.model(0).executionState).toBe('idle');
    });

    it('adds a readable error when the server fails the request', async () => {
      h = setup();
      const run = h.run(0);
      await until(() => h.server.submitted.length === 1, 'the POST');
      const { requestId } = h.server.requestFor('c1');
      h.server.start(requestId);
      h.server.output(requestId, {
        output_type: 'stream',
        name: 'stdout',
        text: 'so far\n'
      });
      h.server.fail(requestId, 'Kernel connection lost');
      const thrown = await rejectionOf(run.promise);
      expect(thrown.errorValue).toContain('Kernel connection lost');
      const outputs = codeCell(h.serverDoc, 'c1').getOutputs();
      expect(outputs.map(o => o.output_type)).toEqual(['stream', 'error']);
      expect(outputs[0]).toMatchObject({ text: 'so far\n' });
      expect(h.model(0).outputs.toJSON()).toEqual(outputs);
      expect(h.model(0).executionState).toBe('idle');
    });
  });

  describe('falling back to the tab', () => {
    it('runs in the tab when server-side execution is off', async () => {
      h = setup();
      h.settings.current = { ...DEFAULT_SETTINGS, serverSideExecution: false };
      h.clientRunCell.mockResolvedValueOnce(false);
      const run = h.run(0);
      await expect(run.promise).resolves.toBe(false);
      expect(h.clientRunCell).toHaveBeenCalledTimes(1);
      expect(h.clientRunCell).toHaveBeenCalledWith(run.options);
      expect(h.onFallback).toHaveBeenCalledWith(
        h.notebook,
        'disabled',
        'nb.ipynb',
        null
      );
      expect(h.backends.decide).not.toHaveBeenCalled();
      expect(h.server.submit).not.toHaveBeenCalled();
    });

    it('waits for the settings before choosing', async () => {
      h = setup();
      const ready = deferred();
      h.settings.ready = ready.promise;
      h.settings.current = { ...DEFAULT_SETTINGS, serverSideExecution: true };
      const run = h.run(0);
      await sleep(20);
      expect(h.clientRunCell).not.toHaveBeenCalled();
      expect(h.server.submit).not.toHaveBeenCalled();
      // The user's settings say off.
      h.settings.current = { ...DEFAULT_SETTINGS, serverSideExecution: false };
      ready.resolve();
      await expect(run.promise).resolves.toBe(true);
      expect(h.onFallback).toHaveBeenCalledWith(
        h.notebook,
        'disabled',
        'nb.ipynb',
        null
      );
    });

    it('runs in the tab when the notebook is not collaborative', async () => {
      h = setup();
      (h.notebook as { collaborative: boolean }).collaborative = false;
      const run = h.run(0);
      await expect(run.promise).resolves.toBe(true);
      expect(h.clientRunCell).toHaveBeenCalledWith(run.options);
      expect(h.onFallback).toHaveBeenCalledWith(
        h.notebook,
        'not-collaborative',
        'nb.ipynb',
        null
      );
      expect(h.server.submit).not.toHaveBeenCalled();
    });

    it('runs in the tab when the server has no backend, and asks the registry again next time', async () => {
      h = setup();
      h.backends.decide.mockResolvedValue({
        kind: 'none',
        installHint: null
      });
      const run = h.run(0);
      await expect(run.promise).resolves.toBe(true);
      expect(h.clientRunCell).toHaveBeenCalledWith(run.options);
      expect(h.onFallback).toHaveBeenCalledWith(
        h.notebook,
        'no-backend',
        'nb.ipynb',
        null
      );
      expect(h.server.submit).not.toHaveBeenCalled();

      await h.run(0).promise;
      expect(h.backends.decide).toHaveBeenCalledTimes(2);

      // Once the registry decides otherwise (the server restarted).
      h.backends.decide.mockResolvedValue({
        kind: 'backend',
        backend: h.server
      });
      const third = h.run(0);
      await until(() => h.server.submitted.length === 1, 'the POST');
      expect(h.backends.decide).toHaveBeenCalledTimes(3);
      h.server.run(h.server.requestFor('c1').requestId);
      await expect(third.promise).resolves.toBe(true);
    });

    it('runs in the tab when the probe fails, and probes again next time', async () => {
      h = setup();
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
      try {
        h.backends.decide.mockRejectedValueOnce(
          new BackendError('unreachable', null, 'offline')
        );
        await expect(h.run(0).promise).resolves.toBe(true);
        expect(h.onFallback).toHaveBeenCalledWith(
          h.notebook,
          'server-unreachable',
          'nb.ipynb',
          null
        );
        expect(warn).toHaveBeenCalled();
      } finally {
        warn.mockRestore();
      }
      const second = h.run(0);
      await until(() => h.server.submitted.length === 1, 'the POST');
      expect(h.backends.decide).toHaveBeenCalledTimes(2);
      h.server.run(h.server.requestFor('c1').requestId);
      await expect(second.promise).resolves.toBe(true);
    });

    it('runs in the tab when the document id does not arrive in time', async () => {
      h = setup(undefined, { documentId: null });
      const started = Date.now();
      const run = h.run(0);
      await expect(run.promise).resolves.toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(40);
      expect(h.clientRunCell).toHaveBeenCalledWith(run.options);
      expect(h.onFallback).toHaveBeenCalledWith(
        h.notebook,
        'no-document-id',
        'nb.ipynb',
        null
      );
      expect(h.server.submit).not.toHaveBeenCalled();
    });

    it('runs on the server when the document id arrives within the wait', async () => {
      h = setup(undefined, { documentId: null });
      const run = h.run(0);
      setTimeout(
        () => h.tabDoc.setState('document_id', 'json:notebook:late'),
        15
      );
      await until(() => h.server.submitted.length === 1, 'the POST');
      expect(h.server.submitted[0].documentId).toBe('json:notebook:late');
      expect(h.clientRunCell).not.toHaveBeenCalled();
      h.server.run(h.server.requestFor('c1').requestId);
      await expect(run.promise).resolves.toBe(true);
    });

    it('hands markdown cells to the tab without a fallback notice', async () => {
      h = setup([
        { id: 'm1', type: 'markdown' },
        { id: 'c1', source: 'print(1)' }
      ]);
      const run = h.run(0);
      await expect(run.promise).resolves.toBe(true);
      expect(h.clientRunCell).toHaveBeenCalledWith(run.options);
      expect(h.onFallback).not.toHaveBeenCalled();
      expect(h.server.submit).not.toHaveBeenCalled();
      expect(h.backends.decide).not.toHaveBeenCalled();
    });

    it('hands cells without a session to the tab', async () => {
      h = setup();
      const run = h.run(0, { sessionContext: undefined });
      await expect(run.promise).resolves.toBe(true);
      expect(h.clientRunCell).toHaveBeenCalledWith(run.options);
      expect(h.server.submit).not.toHaveBeenCalled();
    });
  });

  describe('server cancellations', () => {
    it('aborts a cell dropped because a previous one failed, and resets its prompt', async () => {
      h = setup();
      const run = h.run(0);
      await until(() => h.server.submitted.length === 1, 'the POST');
      expect(h.model(0).executionState).toBe('running');
      h.server.cancel(
        h.server.requestFor('c1').requestId,
        'previous-failed',
        'Execution cancelled because a previous queued request failed.'
      );
      const thrown = await rejectionOf(run.promise);
      expect(thrown.message.startsWith('KernelReplyNotOK')).toBe(true);
      expect(run.onCellExecuted).toHaveBeenCalledWith({
        cell: h.cells[0],
        success: false,
        error: thrown
      });
      expect(h.model(0).executionState).toBe('idle');
      expect(codeCell(h.serverDoc, 'c1').executionState).toBe('idle');
      expect(h.model(0).executionCount).toBeNull();
    });

    it('resolves false for a superseded request and leaves the cell to the newer run', async () => {
      h = setup();
      const run = h.run(0);
      await until(() => h.server.submitted.length === 1, 'the POST');
      h.server.cancel(
        h.server.requestFor('c1').requestId,
        'superseded',
        'Superseded by a newer queued execution for the same cell_id.'
      );
      await expect(run.promise).resolves.toBe(false);
      expect(h.model(0).executionState).toBe('running');
      expect(run.onCellExecuted).not.toHaveBeenCalled();
    });
  });

  describe('running a cell again', () => {
    it("never writes the old run's result into the cell when its end crosses the new run's mark", async () => {
      h = setup(undefined, { holdable: true });
      // The server's concurrent writes win the merge, as they do for about
      // half of the tabs (the higher Yjs client id wins).
      h.tabDoc.ydoc.clientID = 1;
      h.serverDoc.ydoc.clientID = 2 ** 30;
      const first = h.run(0);
      await until(() => h.server.submitted.length === 1, 'the first POST');
      const old = h.server.requestFor('c1').requestId;
      h.server.start(old);
      h.server.output(old, {
        output_type: 'stream',
        name: 'stdout',
        text: 'old run\n'
      });
      await until(() => h.model(0).outputs.length === 1, 'the old output');

      // Run it again just as the old run ends: the tab's mark and the
      // server's end cross on the network.
      h.sync!.hold();
      const second = h.run(0);
      await until(() => h.server.submitted.length === 2, 'the second POST');
      const oldCount = h.server.finish(old);
      // @jupyter/ydoc's cell observer throws on the server's copy for the
      // concurrent count it lost (no old value for a key that changed); the
      // update is applied all the same, and the tab's side is delivered.
      try {
        h.sync!.release();
      } catch (error) {
        expect(String(error)).toMatch(/oldValue/);
      }
      // The race this is about: the old end won, the old outputs are gone.
      expect(h.model(0).executionCount).toBe(oldCount);
      expect(h.model(0).outputs.length).toBe(0);

      await expect(first.promise).resolves.toBe(true);
      await sleep(300); // past reconcileGraceMs: a repair would be written
      expect(h.model(0).outputs.toJSON()).toEqual([]);
      expect(codeCell(h.serverDoc, 'c1').getOutputs()).toEqual([]);

      h.server.run(h.server.requestFor('c1').requestId, 'new run\n');
      await expect(second.promise).resolves.toBe(true);
      await sleep(300);
      for (const outputs of [
        h.model(0).outputs.toJSON(),
        codeCell(h.serverDoc, 'c1').getOutputs()
      ]) {
        expect(outputs).toEqual([
          { output_type: 'stream', name: 'stdout', text: 'new run\n' }
        ]);
      }
    });
  });

  describe('kernel lifecycle', () => {
    type Session = Harness['sessionContext'];
    it.each([
      ['a restart', (s: Session) => s.statusChanged.emit('restarting'), 'idle'],
      [
        'an auto-restart',
        (s: Session) => s.statusChanged.emit('autorestarting'),
        'idle'
      ],
      ['a dead kernel', (s: Session) => s.statusChanged.emit('dead'), 'idle'],
      ['a kernel change', (s: Session) => s.kernelChanged.emit(null), 'idle'],
      // The run goes on on the server after the tab closes: hands off.
      ['closing the notebook', (s: Session) => s.disposed.emit(), 'running']
    ])(
      'stops waiting on %s, resolves false and leaves the prompt %s',
      async (_, trigger, prompt) => {
        h = setup();
        const run = h.run(0);
        await until(() => h.server.submitted.length === 1, 'the POST');
        h.server.start(h.server.requestFor('c1').requestId);
        await sleep(30);
        expect(run.result.state).toBe('pending');

        // A busy/idle status is not a restart.
        h.sessionContext.statusChanged.emit('busy');
        await sleep(20);
        expect(run.result.state).toBe('pending');

        trigger(h.sessionContext);
        await expect(run.promise).resolves.toBe(false);
        expect(run.onCellExecuted).not.toHaveBeenCalled();
        expect(h.submissions[h.submissions.length - 1]).toMatchObject({
          phase: 'finished',
          success: false
        });
        // The server run died with the kernel, so nobody else would end
        // the [*] (in every tab).
        expect(h.model(0).executionState).toBe(prompt);
        expect(codeCell(h.serverDoc, 'c1').executionState).toBe(prompt);

        // Nothing is polled for it any more.
        const polls = h.server.listInFlight.mock.calls.length;
        await sleep(60);
        expect(h.server.listInFlight.mock.calls.length).toBe(polls);
      }
    );
  });
});
