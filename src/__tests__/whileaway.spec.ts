import { YNotebook } from '@jupyter/ydoc';
import {
  codeCell,
  markRunning,
  notebookWithCells,
  quietYjsWarnings
} from './fakes';
import {
  awayMessage,
  diffSinceSnapshot,
  hasNews,
  outputsFingerprint,
  parseSnapshot,
  takeSnapshot,
  type IAwayDiff
} from '../whileaway/snapshot';

/** English with JupyterLab's `%1` placeholders. */
const english = {
  __: (msgid: string, ...args: unknown[]) =>
    msgid.replace(/%(\d+)/g, (_, i) => String(args[Number(i) - 1])),
  _n: (one: string, many: string, n: number, ...args: unknown[]) =>
    (n === 1 ? one : many).replace(/%(\d+)/g, (_, i) =>
      String(args[Number(i) - 1])
    )
};

quietYjsWarnings();

function stream(text: string) {
  return { output_type: 'stream', name: 'stdout', text };
}

function print(nb: YNotebook, id: string, text: string): void {
  const cell = codeCell(nb, id);
  cell.setOutputs([...cell.getOutputs(), stream(text)]);
}

function finish(nb: YNotebook, id: string, count: number): void {
  const cell = codeCell(nb, id);
  nb.transact(() => {
    cell.execution_count = count;
    cell.executionState = 'idle';
  });
}

describe('while you were away', () => {
  it('tells finished, new output and still running cells apart', () => {
    const nb = notebookWithCells(['a', 'b', 'c', 'd', 'e', 'f']);
    finish(nb, 'd', 1);
    markRunning(nb, 'a');
    markRunning(nb, 'b');
    print(nb, 'b', 'step 1\n');
    markRunning(nb, 'c');
    markRunning(nb, 'f');
    const snapshot = takeSnapshot(nb.cells, { now: 1234 });
    expect(snapshot.takenAt).toBe(1234);
    expect(snapshot.cells.a).toEqual({
      count: null,
      running: true,
      outputs: '0'
    });

    // Away: a finishes, b prints more, c is still silent, d is re-run and
    // finishes, e is untouched, f is cancelled; g is added and started.
    print(nb, 'a', 'done\n');
    finish(nb, 'a', 2);
    print(nb, 'b', 'step 2\n');
    markRunning(nb, 'd');
    finish(nb, 'd', 3);
    codeCell(nb, 'f').executionState = 'idle';
    nb.insertCell(0, { cell_type: 'code', id: 'g', source: '' });
    markRunning(nb, 'g');

    const diff = diffSinceSnapshot(snapshot, nb.cells);
    expect(diff).toEqual<IAwayDiff>({
      finished: ['a', 'd'],
      newOutput: ['b'],
      stillRunning: ['g', 'b', 'c'],
      stopped: ['f'],
      marked: ['a', 'b', 'd'],
      first: 'a'
    });
    expect(hasNews(diff)).toBe(true);
    expect(awayMessage(diff, english)).toBe(
      '2 cells finished, 1 cell has new output and 3 are still running on the server since you left'
    );
  });

  it('has nothing to say when nothing happened', () => {
    const nb = notebookWithCells(['a', 'b']);
    finish(nb, 'a', 1);
    print(nb, 'a', 'old\n');
    markRunning(nb, 'b');
    const diff = diffSinceSnapshot(takeSnapshot(nb.cells), nb.cells);
    expect(diff.finished).toEqual([]);
    expect(diff.newOutput).toEqual([]);
    expect(diff.stillRunning).toEqual(['b']);
    expect(diff.first).toBeNull();
    expect(hasNews(diff)).toBe(false);
    expect(awayMessage(diff, english)).toBeNull();
  });

  it('ignores cleared outputs and deleted cells', () => {
    const nb = notebookWithCells(['a', 'b']);
    finish(nb, 'a', 1);
    print(nb, 'a', 'x\n');
    markRunning(nb, 'b');
    const snapshot = takeSnapshot(nb.cells);
    codeCell(nb, 'a').clearOutputs(null);
    nb.deleteCell(1);
    const diff = diffSinceSnapshot(snapshot, nb.cells);
    expect(hasNews(diff)).toBe(false);
    expect(diff.stopped).toEqual([]);
  });

  it('counts a busy cell as running (a backend whose document says busy)', () => {
    const nb = notebookWithCells(['a']);
    codeCell(nb, 'a').executionState = 'busy' as any;
    const snapshot = takeSnapshot(nb.cells);
    expect(snapshot.cells.a.running).toBe(true);
    expect(diffSinceSnapshot(snapshot, nb.cells).stillRunning).toEqual(['a']);
    finish(nb, 'a', 4);
    expect(diffSinceSnapshot(snapshot, nb.cells).finished).toEqual(['a']);
  });

  it('keeps cells marked until seen, across snapshots', () => {
    const nb = notebookWithCells(['a', 'b']);
    markRunning(nb, 'b');
    const first = takeSnapshot(nb.cells);
    finish(nb, 'b', 1);
    const diff = diffSinceSnapshot(first, nb.cells);
    expect(diff.marked).toEqual(['b']);

    // The tab closes before the user looked at `b`.
    const second = takeSnapshot(nb.cells, { unseen: [...diff.marked, 'gone'] });
    expect(second.unseen).toEqual(['b']);
    const again = diffSinceSnapshot(second, nb.cells);
    expect(again.finished).toEqual([]);
    expect(again.marked).toEqual(['b']);
    expect(again.first).toBe('b');
    // Nothing new happened, so no new notification.
    expect(hasNews(again)).toBe(false);
  });

  it('words the message with plurals, through a translator', () => {
    const diff: IAwayDiff = {
      finished: ['a', 'b', 'c'],
      newOutput: [],
      stillRunning: ['d'],
      stopped: [],
      marked: ['a', 'b', 'c'],
      first: 'a'
    };
    expect(awayMessage(diff, english)).toBe(
      '3 cells finished and 1 is still running on the server since you left'
    );
    expect(awayMessage({ ...diff, stillRunning: [] }, english)).toBe(
      '3 cells finished since you left'
    );
    expect(
      awayMessage(
        { ...diff, finished: [], newOutput: ['x'], stillRunning: [] },
        english
      )
    ).toBe('1 cell has new output since you left');
    const calls: string[] = [];
    const trans = {
      __: (msgid: string, ...args: unknown[]) => {
        calls.push(msgid);
        return `[${msgid}|${args.join('|')}]`;
      },
      _n: (one: string, many: string, n: number) => {
        calls.push(one);
        return `<${n}>`;
      }
    };
    expect(awayMessage(diff, trans)).toBe(
      '[%1 since you left|[%1 and %2|<3>|<1>]]'
    );
    expect(calls).toContain('%1 cell finished');
  });

  describe('snapshot (de)serialization', () => {
    it('round-trips through a string and a JSON value', () => {
      const nb = notebookWithCells(['a', 'b']);
      markRunning(nb, 'a');
      print(nb, 'a', 'hello\n');
      finish(nb, 'b', 9);
      const snapshot = takeSnapshot(nb.cells, { now: 42, unseen: ['b'] });
      const text = JSON.stringify(snapshot);
      expect(typeof text).toBe('string');
      expect(parseSnapshot(text)).toEqual(snapshot);
      expect(parseSnapshot(JSON.parse(text))).toEqual(snapshot);
    });

    it('rejects what is not a snapshot and drops bad cells', () => {
      expect(parseSnapshot(null)).toBeNull();
      expect(parseSnapshot('not json')).toBeNull();
      expect(parseSnapshot('[]')).toBeNull();
      expect(parseSnapshot({ version: 2, takenAt: 1, cells: {} })).toBeNull();
      expect(parseSnapshot({ version: 1, cells: {} })).toBeNull();
      expect(
        parseSnapshot({
          version: 1,
          takenAt: 5,
          cells: {
            good: { count: 3, running: false, outputs: '0' },
            bad: { count: '3', running: false, outputs: '0' },
            worse: 'x'
          },
          unseen: ['good', 7]
        })
      ).toEqual({
        version: 1,
        takenAt: 5,
        cells: { good: { count: 3, running: false, outputs: '0' } },
        unseen: ['good']
      });
    });
  });

  it('fingerprints outputs by content', () => {
    expect(outputsFingerprint([])).toBe('0');
    const one = outputsFingerprint([stream('a')]);
    expect(one).toMatch(/^1:[0-9a-f]{8}$/);
    expect(outputsFingerprint([stream('a')])).toBe(one);
    expect(outputsFingerprint([stream('b')])).not.toBe(one);
  });
});
