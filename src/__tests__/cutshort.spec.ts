/**
 * Runs cut short by a server restart, a kernel restart or a kernel death:
 * the running cell says so once with the outputs it had (restored after a
 * server restart when the new document lacks them), queued cells go back
 * to `[ ]`, in the tab and in the shared document every tab reads.
 */
import { YNotebook, type YCodeCell } from '@jupyter/ydoc';
import { CodeCellModel } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import { nullTranslator } from '@jupyterlab/translation';
import {
  causeOfStop,
  cutShortMessage,
  LiveRuns,
  OutputsMemory,
  tabWritesNote
} from '../execution/cutshort';
import type { IBackendCapabilities } from '../tokens';
import * as Y from 'yjs';
import { codeCell, deferred, quietYjsWarnings, sleep, until } from './fakes';
import {
  rejectionOf,
  setupExecutor,
  type ExecutorHarness as Harness
} from './executorharness';

quietYjsWarnings();

const trans = nullTranslator.load('jupyterlab_handoff');

function setup(ids: string[], capabilities?: Partial<IBackendCapabilities>) {
  const h = setupExecutor(
    ids.map(id => ({ id, source: `print('${id}')` })),
    { executor: { documentGraceMs: 50, cutShortKeepMs: 2000 }, capabilities }
  );
  // As JupyterLab's notebook model does: a cell model per shared cell,
  // a new one when the document replaces a cell.
  const models = new Map<object, CodeCellModel>();
  h.cells.forEach(cell =>
    models.set(cell.model.sharedModel, cell.model as CodeCellModel)
  );
  Object.defineProperty(h.notebook, 'cells', {
    get: () =>
      h.tabDoc.cells.map(shared => {
        let model = models.get(shared);
        if (!model) {
          model = new CodeCellModel({ sharedModel: shared as YCodeCell });
          models.set(shared, model);
        }
        return model;
      })
  });
  return h;
}

function stream(text: string): nbformat.IOutput {
  return { output_type: 'stream', name: 'stdout', text };
}

/** The stdout text and the cut-short messages of a shared cell. */
function shows(doc: YNotebook, id: string) {
  const outputs = codeCell(doc, id).getOutputs();
  return {
    stdout: outputs
      .filter(o => o.output_type === 'stream')
      .map(o => o.text)
      .join(''),
    messages: outputs
      .filter(o => o.output_type === 'error')
      .map(o => o.evalue as string),
    state: codeCell(doc, id).executionState
  };
}

/**
 * Another tab: gets every update the server's document gets (from the
 * submitting tab too), as jupyter-collaboration relays them.
 */
function relay(tab: YNotebook, server: YNotebook): void {
  const FROM_SERVER = Symbol('from server');
  const FROM_TAB = Symbol('from tab');
  Y.applyUpdate(tab.ydoc, Y.encodeStateAsUpdate(server.ydoc), FROM_SERVER);
  server.ydoc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== FROM_TAB) {
      Y.applyUpdate(tab.ydoc, update, FROM_SERVER);
    }
  });
  tab.ydoc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== FROM_SERVER) {
      Y.applyUpdate(server.ydoc, update, FROM_TAB);
    }
  });
}

/**
 * The restarted server's document: the cell rebuilt from the saved file,
 * holding only what was saved.
 */
function reloadCell(doc: YNotebook, id: string, saved: nbformat.IOutput[]) {
  const index = doc.cells.findIndex(cell => cell.getId() === id);
  const source = doc.cells[index].getSource();
  doc.transact(() => {
    doc.deleteCell(index);
    doc.insertCell(index, {
      cell_type: 'code',
      id,
      source,
      outputs: saved,
      execution_count: null,
      metadata: {}
    });
  });
}

describe('cut short', () => {
  let h: Harness;
  let other: YNotebook | null = null;

  afterEach(() => {
    other?.dispose();
    other = null;
    h?.dispose();
  });

  describe('causeOfStop and the words', () => {
    it.each([
      ['restarting', 'kernel-restart', 'the kernel was restarted'],
      ['autorestarting', 'kernel-died', 'the kernel died'],
      ['dead', 'kernel-died', 'the kernel died'],
      ['kernel-changed', 'kernel-changed', 'changed kernels']
    ])('%s is %s', (reason, cause, words) => {
      expect(causeOfStop(reason)).toBe(cause);
      expect(cutShortMessage(causeOfStop(reason)!, trans)).toContain(words);
    });

    it('a closed notebook cuts nothing short (the run goes on)', () => {
      expect(causeOfStop('closed')).toBeNull();
      expect(causeOfStop('disposed')).toBeNull();
    });

    it('says a server stop', () => {
      expect(cutShortMessage('server-restart', trans)).toContain(
        'the Jupyter server stopped'
      );
    });
  });

  describe('LiveRuns', () => {
    it('takes the run the server listed as running', () => {
      const live = new LiveRuns();
      const a = live.add('k');
      const b = live.add('k');
      a.status = 'queued';
      b.status = 'running';
      expect(a.wasRunning()).toBe(false);
      expect(b.wasRunning()).toBe(true);
    });

    it('takes the oldest when nothing was listed yet, and only it', () => {
      const live = new LiveRuns();
      const a = live.add('k');
      const b = live.add('k');
      const c = live.add('other');
      expect(a.wasRunning()).toBe(true);
      expect(b.wasRunning()).toBe(false);
      expect(c.wasRunning()).toBe(true);
      a.remove();
      expect(b.wasRunning()).toBe(true);
    });
  });

  describe('OutputsMemory', () => {
    it('keeps the longer outputs when the tail vanishes, follows a replaced cell, and takes new outputs after a clear', () => {
      const doc = new YNotebook();
      doc.insertCells(0, [
        { cell_type: 'code', id: 'c', source: '', outputs: [], metadata: {} }
      ]);
      const memory = new OutputsMemory(doc, 'c');
      codeCell(doc, 'c').setOutputs([stream('0\n')]);
      codeCell(doc, 'c').setOutputs([stream('0\n1\n2\n')]);
      reloadCell(doc, 'c', [stream('0\n')]);
      expect(memory.outputs).toEqual([stream('0\n1\n2\n')]);
      codeCell(doc, 'c').setOutputs([stream('0\n1\n2\n3\n')]);
      expect(memory.outputs).toEqual([stream('0\n1\n2\n3\n')]);
      codeCell(doc, 'c').setOutputs([stream('other\n')]);
      expect(memory.outputs).toEqual([stream('other\n')]);
      // Longer or as long: taken without comparing (not a prefix).
      codeCell(doc, 'c').setOutputs([stream('other\n'), stream('more\n')]);
      expect(memory.outputs).toEqual([stream('other\n'), stream('more\n')]);
      codeCell(doc, 'c').setOutputs([stream('diverged twelve\n')]);
      expect(memory.outputs).toEqual([stream('diverged twelve\n')]);
      reloadCell(doc, 'c', [stream('diverged')]);
      expect(memory.outputs).toEqual([stream('diverged twelve\n')]);
      memory.dispose();
      doc.dispose();
    });
  });

  describe('kernel restart or death in the middle of a Run All', () => {
    it.each([
      ['restarting', 'the kernel was restarted'],
      ['autorestarting', 'the kernel died'],
      ['dead', 'the kernel died']
    ])(
      '%s: the running cell says so once with its outputs, the queued ones go back to [ ], in every tab',
      async (status, words) => {
        h = setup(['c1', 'c2', 'c3']);
        other = new YNotebook();
        relay(other, h.serverDoc);
        const runs = [0, 1, 2].map(index => h.run(index));
        await until(() => h.server.submitted.length === 3, 'every POST');
        const first = h.server.requestFor('c1').requestId;
        h.server.start(first);
        h.server.output(first, stream('0\n1\n'));
        // The listing says which one runs.
        await until(
          () =>
            h.submissions.some(
              e => e.cellId === 'c2' && e.status === 'queued'
            ) &&
            h.submissions.some(
              e => e.cellId === 'c1' && e.status === 'running'
            ),
          'the listing read'
        );

        h.sessionContext.statusChanged.emit(status);
        const results = await Promise.all(runs.map(run => run.promise));
        expect(results).toEqual([false, false, false]);

        for (const doc of [h.tabDoc, h.serverDoc, other]) {
          expect(shows(doc, 'c1').stdout).toBe('0\n1\n');
          expect(shows(doc, 'c1').messages).toHaveLength(1);
          expect(shows(doc, 'c1').messages[0]).toContain(words);
          for (const id of ['c1', 'c2', 'c3']) {
            expect(shows(doc, id).state).toBe('idle');
          }
          expect(shows(doc, 'c2').messages).toEqual([]);
          expect(shows(doc, 'c3').messages).toEqual([]);
        }
        // Still once a moment later.
        await sleep(50);
        expect(shows(h.serverDoc, 'c1').messages).toHaveLength(1);
      }
    );

    it.each([
      [
        'a death (JupyterLab says restarting, then autorestarting)',
        (emit: (s: string) => void) => {
          void Promise.resolve().then(() => emit('autorestarting'));
          emit('restarting');
        },
        'the kernel died'
      ],
      [
        'a restart from another tab (the new kernel says starting)',
        (emit: (s: string) => void) => emit('starting'),
        'the kernel was restarted'
      ]
    ])('tells %s', async (_, happen, words) => {
      h = setup(['c1']);
      const run = h.run(0);
      await until(() => h.server.submitted.length === 1, 'the POST');
      h.server.start(h.server.requestFor('c1').requestId);
      await until(
        () => h.submissions.some(e => e.status === 'running'),
        'running'
      );
      happen(s => h.sessionContext.statusChanged.emit(s));
      await expect(run.promise).resolves.toBe(false);
      expect(shows(h.serverDoc, 'c1').messages).toEqual([
        expect.stringContaining(words)
      ]);
    });

    it('the next run works and is not touched by the message', async () => {
      h = setup(['c1']);
      const cut = h.run(0);
      await until(() => h.server.submitted.length === 1, 'the POST');
      h.server.start(h.server.requestFor('c1').requestId);
      await until(
        () => h.submissions.some(e => e.status === 'running'),
        'running'
      );
      h.sessionContext.statusChanged.emit('restarting');
      await expect(cut.promise).resolves.toBe(false);
      expect(shows(h.serverDoc, 'c1').messages).toHaveLength(1);

      const again = h.run(0);
      await until(() => h.server.submitted.length === 2, 'the second POST');
      h.server.run(h.server.requestFor('c1').requestId, 'fine\n');
      await expect(again.promise).resolves.toBe(true);
      await sleep(50);
      expect(shows(h.serverDoc, 'c1')).toEqual({
        stdout: 'fine\n',
        messages: [],
        state: 'idle'
      });
    });
  });

  describe('a server that writes kernel notes itself (kernelNotes: server)', () => {
    it('leaves kernel restart and death notes to it, and tells the rest itself', () => {
      const server = { kernelNotes: 'server' } as const;
      const tab = { kernelNotes: 'tab' } as const;
      expect(tabWritesNote('kernel-restart', server)).toBe(false);
      expect(tabWritesNote('kernel-died', server)).toBe(false);
      expect(tabWritesNote('server-restart', server)).toBe(true);
      expect(tabWritesNote('kernel-changed', server)).toBe(true);
      for (const cause of [
        'kernel-restart',
        'kernel-died',
        'server-restart',
        'kernel-changed'
      ] as const) {
        expect(tabWritesNote(cause, tab)).toBe(true);
      }
    });

    async function runAll(ids: string[]) {
      h = setup(ids, { kernelNotes: 'server' });
      other = new YNotebook();
      relay(other, h.serverDoc);
      const runs = ids.map((_, index) => h.run(index));
      await until(() => h.server.submitted.length === ids.length, 'every POST');
      const first = h.server.requestFor(ids[0]).requestId;
      h.server.start(first);
      h.server.output(first, stream('0\n1\n'));
      await until(
        () =>
          h.submissions.some(
            e => e.cellId === ids[0] && e.status === 'running'
          ),
        'the listing read'
      );
      return { runs, first };
    }

    function expectToldOnce(words: string) {
      for (const doc of [h.tabDoc, h.serverDoc, other!]) {
        expect(shows(doc, 'c1').stdout).toBe('0\n1\n');
        expect(shows(doc, 'c1').messages).toEqual([
          expect.stringContaining(words)
        ]);
        for (const id of ['c1', 'c2', 'c3']) {
          expect(shows(doc, id).state).toBe('idle');
        }
        expect(shows(doc, 'c2').messages).toEqual([]);
        expect(shows(doc, 'c3').messages).toEqual([]);
      }
    }

    it.each([
      ['restarting', 'the kernel was restarted'],
      ['autorestarting', 'the kernel died']
    ])(
      'the submitting tab hears %s first: it writes no note, the server writes it once',
      async (status, words) => {
        const { runs, first } = await runAll(['c1', 'c2', 'c3']);
        h.sessionContext.statusChanged.emit(status);
        const results = await Promise.all(runs.map(run => run.promise));
        expect(results).toEqual([false, false, false]);
        await sleep(50);
        // Nothing written by the tab; every [*] ended.
        expect(shows(h.serverDoc, 'c1').messages).toEqual([]);
        expect(shows(h.serverDoc, 'c1').state).toBe('idle');

        h.server.cutShort(first, cutShortMessage(causeOfStop(status)!, trans));
        await sleep(50);
        expectToldOnce(words);
      }
    );

    it('a restart from another tab cuts the run before this tab hears of it: the run ends with the note, once, and Run All stops', async () => {
      const { runs, first } = await runAll(['c1', 'c2', 'c3']);
      // Our server part at the restart's start: before the kernel's
      // KeyboardInterrupt reply, before the new kernel says 'starting'.
      h.server.cutShort(first, cutShortMessage('kernel-restart', trans));
      // The running cell failed as its result says (so Run All stops), with
      // the note as its error; the queued ones were dropped.
      const error = await rejectionOf(runs[0].promise);
      expect(error.errorValue).toContain('the kernel was restarted');
      for (const run of runs.slice(1)) {
        await expect(run.promise).rejects.toBeDefined();
      }
      h.sessionContext.statusChanged.emit('starting');
      await sleep(50);
      expectToldOnce('the kernel was restarted');
      for (const doc of [h.tabDoc, h.serverDoc]) {
        expect(
          codeCell(doc, 'c1')
            .getOutputs()
            .map(o => o.ename ?? o.output_type)
        ).toEqual(['stream', 'RunCutShort']);
      }
    });
    it("the kernel goes while this tab reads the cut run's result: the result says how it ended, never a server restart", async () => {
      const { runs, first } = await runAll(['c1', 'c2', 'c3']);
      // This tab's read of the result is slow to come back: meanwhile the
      // new kernel says 'starting', and the result is no longer on the
      // server for a second read.
      const gate = deferred();
      const read = h.server.check.getMockImplementation()!;
      let reading = false;
      h.server.check.mockImplementationOnce(async (kernelId, submission) => {
        reading = true;
        const progress = await read(kernelId, submission);
        await gate.promise;
        return progress;
      });
      h.server.cutShort(first, cutShortMessage('kernel-restart', trans));
      await until(() => reading, 'the read of the result');
      h.sessionContext.statusChanged.emit('starting');
      await sleep(30);
      gate.resolve();
      const error = await rejectionOf(runs[0].promise);
      expect(error.errorValue).toContain('the kernel was restarted');
      for (const run of runs.slice(1)) {
        await expect(run.promise).rejects.toBeDefined();
      }
      await sleep(50);
      expectToldOnce('the kernel was restarted');
    });
  });

  describe('server restart mid-run', () => {
    async function startCounting(ids: string[]) {
      const runs = ids.map((_, index) => h.run(index));
      await until(() => h.server.submitted.length === ids.length, 'every POST');
      const request = h.server.requestFor('c1').requestId;
      h.server.start(request);
      h.server.output(request, stream('0\n1\n2\n'));
      await until(
        () => h.submissions.some(e => e.status === 'running'),
        'the listing read'
      );
      return runs;
    }

    /** The new server knows no request (nbmodel's results were in memory). */
    function restartServer() {
      h.server.requests.clear();
    }

    it('restores the tail the new document lacks and says so once, when the document is reloaded first', async () => {
      h = setup(['c1']);
      other = new YNotebook();
      relay(other, h.serverDoc);
      const [run] = await startCounting(['c1']);

      reloadCell(h.serverDoc, 'c1', [stream('0\n')]);
      expect(shows(other, 'c1').stdout).toBe('0\n');
      restartServer();
      const error = await run.promise.catch(e => e);
      expect(error.errorName).toBe('RunCutShort');
      await sleep(50);

      for (const doc of [h.tabDoc, h.serverDoc, other]) {
        expect(shows(doc, 'c1').stdout).toBe('0\n1\n2\n');
        expect(shows(doc, 'c1').messages).toHaveLength(1);
        expect(shows(doc, 'c1').messages[0]).toContain(
          'the Jupyter server stopped'
        );
        expect(shows(doc, 'c1').state).toBe('idle');
      }
    });

    it('writes them again once when the reloaded document arrives after the message', async () => {
      h = setup(['c1']);
      other = new YNotebook();
      relay(other, h.serverDoc);
      const [run] = await startCounting(['c1']);

      restartServer();
      await run.promise.catch(() => undefined);
      expect(shows(h.serverDoc, 'c1').messages).toHaveLength(1);

      // The new server's document arrives: saved up to '1'.
      reloadCell(h.serverDoc, 'c1', [stream('0\n1\n')]);
      await sleep(50);
      for (const doc of [h.tabDoc, h.serverDoc, other]) {
        expect(shows(doc, 'c1').stdout).toBe('0\n1\n2\n');
        expect(shows(doc, 'c1').messages).toHaveLength(1);
        expect(shows(doc, 'c1').state).toBe('idle');
      }
    });

    it('with everything saved, adds only the message; queued cells go back to [ ] without one', async () => {
      h = setup(['c1', 'c2']);
      const [first, second] = await startCounting(['c1', 'c2']);
      await until(
        () =>
          h.submissions.some(e => e.cellId === 'c2' && e.status === 'queued'),
        'c2 listed as queued'
      );
      reloadCell(h.serverDoc, 'c1', [stream('0\n1\n2\n')]);
      restartServer();
      await first.promise.catch(() => undefined);
      await second.promise.catch(() => undefined);
      await sleep(50);
      expect(shows(h.serverDoc, 'c1')).toMatchObject({
        stdout: '0\n1\n2\n',
        state: 'idle'
      });
      expect(shows(h.serverDoc, 'c1').messages).toHaveLength(1);
      expect(shows(h.serverDoc, 'c2')).toEqual({
        stdout: '',
        messages: [],
        state: 'idle'
      });
    });

    it.each([
      ['forgets the run', () => h.server.requests.clear()],
      [
        'cannot be reached',
        () => h.server.check.mockRejectedValue(new Error('server unreachable'))
      ]
    ])(
      'a kernel gone while the server %s is a server restart',
      async (_, serverState) => {
        h = setup(['c1']);
        const [run] = await startCounting(['c1']);
        serverState();
        h.sessionContext.statusChanged.emit('dead');
        await run.promise.catch(() => undefined);
        await sleep(20);
        expect(shows(h.serverDoc, 'c1').messages).toEqual([
          expect.stringContaining('the Jupyter server stopped')
        ]);
        expect(shows(h.serverDoc, 'c1').state).toBe('idle');
      }
    );

    it('leaves a cell alone once it runs again', async () => {
      h = setup(['c1']);
      const [run] = await startCounting(['c1']);
      restartServer();
      await run.promise.catch(() => undefined);

      const again = h.run(0);
      await until(() => h.server.submitted.length === 2, 'the second POST');
      const request = h.server.requestFor('c1').requestId;
      h.server.start(request);
      // The old document arrives late: the new run is not undone.
      h.server.output(request, stream('new\n'));
      await sleep(50);
      expect(shows(h.serverDoc, 'c1')).toEqual({
        stdout: 'new\n',
        messages: [],
        state: 'running'
      });
      h.server.finish(request);
      await expect(again.promise).resolves.toBe(true);
    });
  });
});
