/**
 * Divergence detection and repair, on a server and a tab YNotebook synced in
 * memory, with JupyterLab's real CodeCellModel in the tab.
 */
import type * as nbformat from '@jupyterlab/nbformat';
import {
  compareOutputs,
  reconcileCell,
  reconcileWhenSettled
} from '../execution/divergence';
import { codeCell, quietYjsWarnings, until } from './fakes';
import { setupExecutor, type ExecutorHarness } from './executorharness';
import { NbmodelWriter, plain, serverAndTab } from './outputfakes';

quietYjsWarnings();

const stdout = (text: string): nbformat.IStream => ({
  output_type: 'stream',
  name: 'stdout',
  text
});
const html = (text: string): nbformat.IDisplayData => ({
  output_type: 'display_data',
  data: { 'text/html': text },
  metadata: {}
});

describe('compareOutputs', () => {
  it('compares outputs as rendered: raw stream chunks with \\r equal their merged result', () => {
    // nbmodel's final result keeps one entry per message.
    const final = [stdout('a\n'), stdout('\r10%'), stdout('\r100%\n')];
    expect(compareOutputs([stdout('a\n100%\n')], final)).toEqual({
      kind: 'equal'
    });
  });

  it('finds a document that holds a prefix, including a stream cut short', () => {
    const final = [stdout('a\nb\n'), html('<b>x</b>'), stdout('c\n')];
    expect(compareOutputs([stdout('a\n')], final)).toEqual({
      kind: 'behind',
      missing: [stdout('b\n'), html('<b>x</b>'), stdout('c\n')]
    });
    expect(compareOutputs([], final)).toEqual({
      kind: 'behind',
      missing: [stdout('a\nb\n'), html('<b>x</b>'), stdout('c\n')]
    });
  });

  it('calls anything else diverged: more outputs, different outputs, a changed middle', () => {
    const final = [stdout('a\n'), html('<b>x</b>')];
    expect(compareOutputs([...final, stdout('extra\n')], final).kind).toBe(
      'diverged'
    );
    expect(compareOutputs([stdout('a\nB\n')], final).kind).toBe('diverged');
    expect(compareOutputs([html('<b>y</b>')], final).kind).toBe('diverged');
  });
});

describe('reconcileCell', () => {
  const setup = serverAndTab;
  let s: ReturnType<typeof setup>;
  afterEach(() => s.dispose());

  it('leaves a cell alone when the document matches the final result', () => {
    s = setup();
    s.writer.start();
    s.writer.stream('stdout', 'a\n');
    s.writer.finish(1);
    const before = s.sync.sent.fromA;
    expect(
      reconcileCell(s.model, { executionCount: 1, outputs: [stdout('a\n')] })
    ).toBe('equal');
    expect(s.sync.sent.fromA).toBe(before);
  });

  it('extends an idle cell whose document missed the tail, and every client sees it', () => {
    s = setup();
    s.writer.start();
    s.writer.stream('stdout', 'a\n');
    // The room was rebuilt: the rest of the run never reached this document.
    s.writer.finish(1);
    const final = [stdout('a\n'), stdout('b\n'), html('<b>x</b>')];
    expect(reconcileCell(s.model, { executionCount: 1, outputs: final })).toBe(
      'extended'
    );
    const expected = [stdout('a\nb\n'), html('<b>x</b>')];
    expect(s.tabOutputs()).toEqual(expected);
    expect(s.serverOutputs()).toEqual(expected);
  });

  it('restores a second identical display output that nbmodel wrote only once', () => {
    s = setup();
    s.writer.start();
    s.writer.other(html('<b>same</b>'));
    s.writer.other(html('<b>same</b>'));
    s.writer.finish(1);
    expect(s.serverOutputs()).toEqual([html('<b>same</b>')]);
    expect(
      reconcileCell(s.model, {
        executionCount: 1,
        outputs: [html('<b>same</b>'), html('<b>same</b>')]
      })
    ).toBe('extended');
    const expected = [html('<b>same</b>'), html('<b>same</b>')];
    expect(s.tabOutputs()).toEqual(expected);
    expect(s.serverOutputs()).toEqual(expected);
  });

  it('rebuilds once from the final result when the document diverged (hazard A left it doubled)', () => {
    s = setup();
    const cell = codeCell(s.server, 'c1');
    s.writer.start();
    cell.updateOutputs(0, 0, [stdout('A\n')]);
    cell.updateOutputs(1, 1, [stdout('B\n')]);
    s.writer.finish(1);
    expect(s.serverOutputs()).toEqual([stdout('A\nB\n'), stdout('B\n')]);
    expect(
      reconcileCell(s.model, {
        executionCount: 1,
        outputs: [stdout('A\n'), stdout('B\n')]
      })
    ).toBe('rebuilt');
    expect(s.tabOutputs()).toEqual([stdout('A\nB\n')]);
    expect(s.serverOutputs()).toEqual([stdout('A\nB\n')]);
  });

  it('rebuilds a tab whose model went blank while the document is right (hazard C)', () => {
    s = setup();
    const cell = codeCell(s.server, 'c1');
    s.writer.start();
    cell.setOutputs([stdout('old\n')]);
    cell.setOutputs([stdout('new\n')]);
    s.writer.finish(1);
    expect(s.tabOutputs()).toEqual([]);
    expect(
      reconcileCell(s.model, {
        executionCount: 1,
        outputs: [stdout('new\n')]
      })
    ).toBe('rebuilt');
    expect(s.tabOutputs()).toEqual([stdout('new\n')]);
    expect(s.serverOutputs()).toEqual([stdout('new\n')]);
  });

  it('never writes to a running cell, even when its outputs differ', () => {
    s = setup();
    s.writer.start();
    s.writer.stream('stdout', 'a\n');
    const before = s.sync.sent.fromA;
    expect(
      reconcileCell(s.model, {
        executionCount: 1,
        outputs: [stdout('a\nb\n')]
      })
    ).toBe('live');
    expect(s.sync.sent.fromA).toBe(before);
    expect(s.serverOutputs()).toEqual([stdout('a\n')]);
  });

  it('leaves a cell that shows another run alone', () => {
    s = setup();
    s.writer.start();
    s.writer.stream('stdout', 'newer\n');
    s.writer.finish(7);
    const before = s.sync.sent.fromA;
    expect(
      reconcileCell(s.model, { executionCount: 6, outputs: [stdout('a\n')] })
    ).toBe('superseded');
    expect(s.sync.sent.fromA).toBe(before);
  });

  it('waits for the document to show the end before comparing, so a late sync is not doubled', async () => {
    s = setup();
    s.writer.start();
    s.writer.stream('stdout', 'a\n');
    s.sync.hold();
    s.writer.stream('stdout', 'b\n');
    s.writer.finish(1);
    // The backend reports the end before the document hears of it.
    const action = reconcileWhenSettled(
      s.model,
      { executionCount: 1, outputs: [stdout('a\n'), stdout('b\n')] },
      2000
    );
    await new Promise(resolve => setTimeout(resolve, 20));
    s.sync.release();
    await expect(action).resolves.toBe('equal');
    expect(s.tabOutputs()).toEqual([stdout('a\nb\n')]);
    expect(s.serverOutputs()).toEqual([stdout('a\nb\n')]);
  });

  it('reports a cell that never shows the end of the run (e.g. a room rebuilt under it)', async () => {
    s = setup();
    s.writer.start();
    s.writer.stream('stdout', 'a\n');
    s.sync.hold();
    s.writer.stream('stdout', 'b\n');
    s.writer.finish(1);
    await expect(
      reconcileWhenSettled(
        s.model,
        { executionCount: 1, outputs: [stdout('a\nb\n')] },
        50
      )
    ).resolves.toBe('live');
    expect(s.tabOutputs()).toEqual([stdout('a\n')]);
  });
});

describe('the executor reconciles a finished run', () => {
  let h: ExecutorHarness;
  afterEach(() => h?.dispose());

  it('extends the cell from the backend result when the document missed the tail', async () => {
    const divergences: unknown[] = [];
    h = setupExecutor(undefined, {
      executor: { onDivergence: event => divergences.push(event.action) }
    });
    const run = h.run(0);
    await until(() => h.server.submitted.length === 1, 'the POST');
    const { requestId } = h.server.requestFor('c1');
    const writer = new NbmodelWriter(h.serverDoc, 'c1');
    h.server.start(requestId);
    writer.stream('stdout', 'a\n');
    // The backend kept more than reached the document.
    const check = h.server.check.getMockImplementation()!;
    h.server.check.mockImplementation(async (kernelId, submission) => {
      const progress = await check(kernelId, submission);
      if (progress.done && progress.outcome.kind === 'reply') {
        progress.outcome.outputs = [
          stdout('a\n'),
          stdout('b\n'),
          html('<b>x</b>')
        ];
      }
      return progress;
    });
    h.server.finish(requestId);
    await expect(run.promise).resolves.toBe(true);
    await until(() => divergences.length === 1, 'the reconciliation');
    expect(divergences).toEqual(['extended']);
    const expected = [stdout('a\nb\n'), html('<b>x</b>')];
    expect(plain(h.model(0).outputs.toJSON())).toEqual(expected);
    expect(plain(codeCell(h.serverDoc, 'c1').getOutputs())).toEqual(expected);
  });

  it('reports nothing and writes nothing when the document has everything', async () => {
    const divergences: unknown[] = [];
    h = setupExecutor(undefined, {
      executor: { onDivergence: event => divergences.push(event.action) }
    });
    const run = h.run(0);
    await until(() => h.server.submitted.length === 1, 'the POST');
    const writes = h.tabUpdates.length;
    const { requestId } = h.server.requestFor('c1');
    h.server.start(requestId);
    new NbmodelWriter(h.serverDoc, 'c1').stream('stdout', 'a\n');
    h.server.finish(requestId);
    await expect(run.promise).resolves.toBe(true);
    await new Promise(resolve => setTimeout(resolve, 200));
    expect(divergences).toEqual([]);
    expect(h.tabUpdates.length).toBe(writes);
  });
});
