/**
 * The Yjs output hazards of a second writer (see the README, "One writer"), reproduced on two real
 * YNotebooks synced in memory (server and tab) with JupyterLab's real
 * CodeCellModel in the tab; then the same situations written the way
 * jupyter-server-nbmodel writes them, which the tab renders exactly.
 */
import type * as nbformat from '@jupyterlab/nbformat';
import { YNotebook } from '@jupyter/ydoc';
import { codeCell, quietYjsWarnings } from './fakes';
import { holdableSync, plain, serverAndTab, tabModel } from './outputfakes';

quietYjsWarnings();

const stdout = (text: string): nbformat.IStream => ({
  output_type: 'stream',
  name: 'stdout',
  text
});
const stderr = (text: string): nbformat.IStream => ({
  output_type: 'stream',
  name: 'stderr',
  text
});
const html = (text: string): nbformat.IDisplayData => ({
  output_type: 'display_data',
  data: { 'text/html': text },
  metadata: {}
});

const setup = serverAndTab;

type Setup = ReturnType<typeof setup>;

describe('output hazards (reproduced with a writer unlike nbmodel)', () => {
  let s: Setup;
  afterEach(() => s.dispose());

  it('B (control): appending to the last stream Y.Text gives one stream everywhere', () => {
    s = setup();
    s.writer.start();
    s.writer.stream('stdout', 'A\n');
    s.writer.stream('stdout', 'B\n');
    expect(s.serverOutputs()).toEqual([stdout('A\nB\n')]);
    expect(s.tabOutputs()).toEqual([stdout('A\nB\n')]);
  });

  it('A: a second stdout entry is merged by the tab and echoed back, doubling the text in the document', () => {
    s = setup();
    const cell = codeCell(s.server, 'c1');
    cell.updateOutputs(0, 0, [stdout('A\n')]);
    cell.updateOutputs(1, 1, [stdout('B\n')]);
    expect(s.tabOutputs()).toEqual([stdout('A\nB\n')]);
    // The tab's echo lands in the first entry: every other client sees B twice.
    expect(s.serverOutputs()).toEqual([stdout('A\nB\n'), stdout('B\n')]);
  });

  it('C: replacing the outputs wholesale (setOutputs) leaves the tab out of step with the document', () => {
    s = setup();
    const cell = codeCell(s.server, 'c1');
    cell.setOutputs([stdout('old\n')]);
    cell.setOutputs([stdout('new\n')]);
    // The tab is empty, and its echo doubled the text.
    expect(s.tabOutputs()).toEqual([]);
    expect(s.serverOutputs()).toEqual([stdout('new\nnew\n')]);
  });

  it('D: appending to a stream that is not the last output throws in the tab and loses the text', () => {
    s = setup();
    const cell = codeCell(s.server, 'c1');
    cell.updateOutputs(0, 0, [stdout('A\n'), html('<b>x</b>')]);
    // Yjs catches the observer's exception and logs it.
    const logged = jest.spyOn(console, 'error').mockImplementation(() => {});
    cell.appendStreamOutput(0, 'more\n');
    expect(logged.mock.calls.map(call => String(call[0]))).toEqual([
      expect.stringMatching(/^TypeError/)
    ]);
    logged.mockRestore();
    expect(s.serverOutputs()).toEqual([stdout('A\nmore\n'), html('<b>x</b>')]);
    expect(s.tabOutputs()).not.toEqual(s.serverOutputs());
  });

  it('E: setting trust on a cell with outputs while the server clears them brings the stale output back', () => {
    s = setup();
    s.writer.start();
    s.writer.stream('stdout', 'stale\n');
    s.writer.finish(1);
    expect(s.model.trusted).toBe(false);

    s.sync.hold();
    // The server starts a new run; at the same moment the tab trusts the cell.
    s.writer.start();
    s.writer.stream('stdout', 'fresh\n');
    s.model.trusted = true;
    s.sync.release();

    // The trust setter re-set the stale item, which Yjs keeps alongside the
    // server's clear: "stale" is back on both sides, and the document now
    // holds "fresh" twice (the tab merged it into the stale stream and echoed).
    expect(s.serverOutputs()).toEqual([
      stdout('stale\nfresh\n'),
      stdout('fresh\n')
    ]);
    expect(s.tabOutputs()).toEqual([stdout('stale\nfresh\n')]);
  });
});

describe('the same situations as nbmodel writes them', () => {
  let s: Setup;
  afterEach(() => s.dispose());

  it('A avoided: stdout and stderr interleaved become one output per run of a name, in order', () => {
    s = setup();
    s.writer.start();
    s.writer.stream('stdout', 'o1\n');
    s.writer.stream('stdout', 'o2\n');
    s.writer.stream('stderr', 'e1\n');
    s.writer.stream('stdout', 'o3\n');
    s.writer.stream('stderr', 'e2\n');
    s.writer.stream('stderr', 'e3\n');
    s.writer.finish(1);
    const expected = [
      stdout('o1\no2\n'),
      stderr('e1\n'),
      stdout('o3\n'),
      stderr('e2\ne3\n')
    ];
    expect(s.serverOutputs()).toEqual(expected);
    expect(s.tabOutputs()).toEqual(expected);
    expect(s.tabYOutputs()).toEqual(expected);
  });

  it('C avoided: clear_output then new text, live and after a reconnect that merges every update', () => {
    for (const reconnect of [false, true]) {
      s = setup();
      s.writer.start();
      s.writer.stream('stdout', 'old\n');
      if (reconnect) {
        s.sync.hold();
      }
      s.writer.clear();
      s.writer.stream('stdout', 'new\n');
      s.writer.other(html('<i>h</i>'));
      s.writer.stream('stdout', 'tail\n');
      s.writer.finish(1);
      s.sync.release();
      const expected = [stdout('new\n'), html('<i>h</i>'), stdout('tail\n')];
      expect(s.serverOutputs()).toEqual(expected);
      expect(s.tabOutputs()).toEqual(expected);
      s.dispose();
    }
    s = setup();
  });

  it('D avoided: a stream after a display output starts a new output instead of appending to an earlier one', () => {
    s = setup();
    s.writer.start();
    s.writer.stream('stdout', 'A\n');
    s.writer.other(html('<b>x</b>'));
    s.writer.stream('stdout', 'B\n');
    s.writer.stream('stdout', 'C\n');
    s.writer.finish(1);
    const expected = [stdout('A\n'), html('<b>x</b>'), stdout('B\nC\n')];
    expect(s.serverOutputs()).toEqual(expected);
    expect(s.tabOutputs()).toEqual(expected);
  });

  it('carriage-return progress: the rewritten tail reaches the tab exactly, live and for a tab opened mid-run', () => {
    s = setup();
    s.writer.start();
    s.writer.stream('stdout', 'start\n');
    let late: ReturnType<typeof tabModel> | null = null;
    let lateDoc: YNotebook | null = null;
    for (let i = 0; i <= 100; i += 5) {
      s.writer.stream('stdout', `\r${i}% ${'#'.repeat(i / 10)}`);
      if (i === 50) {
        lateDoc = new YNotebook({ disableDocumentWideUndoRedo: true });
        holdableSync(lateDoc, s.server);
        late = tabModel(lateDoc, 'c1');
      }
    }
    s.writer.stream('stdout', '\ndone\n');
    s.writer.finish(1);
    const expected = [stdout('start\n100% ##########\ndone\n')];
    expect(s.serverOutputs()).toEqual(expected);
    expect(s.tabOutputs()).toEqual(expected);
    expect(plain(late!.outputs.toJSON())).toEqual(expected);
    late!.dispose();
    lateDoc!.dispose();
  });

  it('a shrinking carriage-return line (longer line overwritten by a shorter one) stays exact', () => {
    s = setup();
    s.writer.start();
    s.writer.stream('stdout', 'loading.....');
    s.writer.stream('stdout', '\rok');
    s.writer.stream('stdout', '\n');
    s.writer.finish(1);
    // JupyterLab overwrites characters: "ok" over "loading....." leaves the rest.
    const expected = [stdout('okading.....\n')];
    expect(s.serverOutputs()).toEqual(expected);
    expect(s.tabOutputs()).toEqual(expected);
  });

  it('many small outputs of every kind arrive in order, each once', () => {
    s = setup();
    s.writer.start();
    const expected: nbformat.IOutput[] = [];
    for (let i = 0; i < 200; i++) {
      s.writer.stream('stdout', `line ${i}\n`);
      s.writer.other(html(`<b>${i}</b>`));
      expected.push(stdout(`line ${i}\n`), html(`<b>${i}</b>`));
    }
    s.writer.finish(1);
    expect(s.serverOutputs()).toEqual(expected);
    expect(s.tabOutputs()).toEqual(expected);
    expect(s.sync.sent.fromA).toBe(0);
  });

  it('a tab that is open and idle during the whole run writes nothing into the document', () => {
    s = setup();
    s.writer.start();
    s.writer.stream('stdout', 'a\n');
    s.writer.stream('stderr', 'b\n');
    s.writer.stream('stdout', '\rc\n');
    s.writer.other(html('<b>x</b>'));
    s.writer.clear();
    s.writer.stream('stdout', 'd\n');
    s.writer.other({
      output_type: 'error',
      ename: 'ZeroDivisionError',
      evalue: 'division by zero',
      traceback: ['tb']
    });
    s.writer.finish(3);
    expect(s.sync.sent.fromA).toBe(0);
    expect(s.tabOutputs()).toEqual(s.serverOutputs());
  });
});
