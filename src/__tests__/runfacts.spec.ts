import { YNotebook } from '@jupyter/ydoc';
import { codeCell, notebookWithCells, quietYjsWarnings } from './fakes';
import {
  BusyPeriods,
  DEFAULT_NOTIFY_SETTINGS,
  RunNotifier,
  outcomeOf,
  runFacts,
  type IEntryView,
  type IRunNotice
} from '../notify';

quietYjsWarnings();

const NB = 'a.ipynb';

function entry(
  cellId: string,
  state: IEntryView['state'],
  since: number,
  firstSeen = since
): IEntryView {
  return { cellId, state, since, firstSeen };
}

describe('run facts from the model', () => {
  it('tells queued, started, input and ended apart', () => {
    const options = {
      now: 100,
      live: true,
      outcome: () => 'ok' as const,
      batchOf: (id: string) => (id === 'b' ? 'batch' : null)
    };
    expect(
      runFacts(
        NB,
        [],
        [entry('a', 'running', 10), entry('b', 'queued', 12)],
        options
      )
    ).toEqual([
      { kind: 'queued', key: NB, cellId: 'a', batchId: null, at: 10 },
      { kind: 'started', key: NB, cellId: 'a', batchId: null, at: 10 },
      { kind: 'queued', key: NB, cellId: 'b', batchId: 'batch', at: 12 }
    ]);
    expect(
      runFacts(
        NB,
        [entry('a', 'running', 10), entry('b', 'queued', 12)],
        [entry('b', 'input', 90, 12)],
        options
      )
    ).toEqual([
      { kind: 'started', key: NB, cellId: 'b', batchId: 'batch', at: 12 },
      { kind: 'input', key: NB, cellId: 'b', at: 100 },
      {
        kind: 'ended',
        key: NB,
        cellId: 'a',
        at: 100,
        outcome: 'ok',
        live: true
      }
    ]);
  });

  it('ignores stale marks, and passes on whether the tab was watching', () => {
    const options = { now: 50, live: false, outcome: () => 'ok' as const };
    expect(runFacts(NB, [], [entry('s', 'stale', 1)], options)).toEqual([]);
    expect(runFacts(NB, [entry('s', 'stale', 1)], [], options)).toEqual([]);
    expect(runFacts(NB, [entry('a', 'running', 1)], [], options)).toEqual([
      {
        kind: 'ended',
        key: NB,
        cellId: 'a',
        at: 50,
        outcome: 'ok',
        live: false
      }
    ]);
  });

  it('reads the outcome from the cell', () => {
    const nb: YNotebook = notebookWithCells(['ok', 'bad', 'never']);
    codeCell(nb, 'ok').execution_count = 3;
    const bad = codeCell(nb, 'bad');
    bad.execution_count = 4;
    bad.setOutputs([
      { output_type: 'error', ename: 'ValueError', evalue: 'x', traceback: [] }
    ]);
    expect(outcomeOf(codeCell(nb, 'ok'))).toBe('ok');
    expect(outcomeOf(bad)).toBe('failed');
    expect(outcomeOf(codeCell(nb, 'never'))).toBe('cancelled');
    expect(outcomeOf(undefined)).toBe('cancelled');
  });

  it('gives one notice for a Run All followed through the model', () => {
    const notifier = new RunNotifier({
      settings: () => DEFAULT_NOTIFY_SETTINGS,
      view: () => ({ pageVisible: false, currentKey: NB }),
      permission: () => 'default'
    });
    const notices: IRunNotice[] = [];
    const feed = (
      before: IEntryView[],
      after: IEntryView[],
      now: number,
      outcome: 'ok' | 'failed' = 'ok'
    ) => {
      for (const fact of runFacts(NB, before, after, {
        now,
        live: true,
        outcome: () => outcome,
        batchOf: () => 'run-all-1'
      })) {
        notices.push(...notifier.add(fact));
      }
    };
    const v0: IEntryView[] = [];
    const v1 = [
      entry('a', 'running', 0),
      entry('b', 'queued', 0),
      entry('c', 'queued', 0)
    ];
    const v2 = [entry('b', 'running', 6000, 0), entry('c', 'queued', 0)];
    const v3 = [entry('c', 'running', 9000, 0)];
    feed(v0, v1, 0);
    feed(v1, v2, 6000);
    feed(v2, v3, 9000);
    expect(notices).toEqual([]);
    feed(v3, [], 14_000, 'failed');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({
      kind: 'failed',
      cellId: 'c',
      cells: 3,
      batch: true,
      durationMs: 14_000
    });
  });
});

describe('busy periods', () => {
  it('group the cells queued while the notebook is busy, from any tab', () => {
    const periods = new BusyPeriods();
    const notifier = new RunNotifier({
      settings: () => DEFAULT_NOTIFY_SETTINGS,
      view: () => ({ pageVisible: true, currentKey: 'other.ipynb' }),
      permission: () => 'default'
    });
    const notices: IRunNotice[] = [];
    const feed = (before: IEntryView[], after: IEntryView[], now: number) => {
      const batch = periods.batchFor(NB, before);
      for (const fact of runFacts(NB, before, after, {
        now,
        live: true,
        outcome: () => 'ok',
        batchOf: () => batch
      })) {
        notices.push(...notifier.add(fact));
      }
    };
    // Another tab's Run All of two cells: one notice at the end.
    const v1 = [entry('a', 'running', 0), entry('b', 'queued', 0)];
    const v2 = [entry('b', 'running', 8000, 0)];
    feed([], v1, 0);
    feed(v1, v2, 8000);
    feed(v2, [], 16_000);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ cells: 2, batch: true });
    // A later run is a period of its own.
    const v3 = [entry('c', 'running', 20_000)];
    feed([], v3, 20_000);
    feed(v3, [], 32_000);
    expect(notices).toHaveLength(2);
    expect(notices[1]).toMatchObject({ cellId: 'c', cells: 1, batch: false });
    expect(notices[1].tag).not.toBe(notices[0].tag);
  });
});
