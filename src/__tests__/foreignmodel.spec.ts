import { Signal } from '@lumino/signaling';
import {
  ForeignAwareModel,
  ForeignTracker,
  iopubFact,
  type IBaseEntry
} from '../foreign';

class BaseModel {
  readonly changed = new Signal<this, { keys: string[] }>(this);
  items: IBaseEntry[] = [];
  entries(key?: string): IBaseEntry[] {
    return this.items.filter(e => key === undefined || e.key === key);
  }
}

function entry(
  key: string,
  cellId: string,
  state: IBaseEntry['state']
): IBaseEntry {
  return {
    key,
    cellId,
    state,
    since: 100,
    firstSeen: 100,
    kernelId: 'k1',
    requestId: 'r',
    ours: true,
    source: 'submission'
  };
}

function executeInput(code: string, session: string) {
  return iopubFact(
    {
      header: { msg_type: 'execute_input' },
      parent_header: { msg_id: 'm-' + code, session },
      content: { code }
    },
    500
  )!;
}

describe('ForeignAwareModel', () => {
  it('hands out one object per unchanged entry, read after read', () => {
    const base = new BaseModel();
    const model = new ForeignAwareModel({
      model: base,
      tracker: new ForeignTracker({ now: () => 1000 }),
      kernelOf: () => 'k1',
      keys: () => ['a.ipynb']
    });
    const kept = entry('a.ipynb', 'c1', 'running');
    base.items = [kept, entry('a.ipynb', 'c2', 'queued')];
    const first = model.entries('a.ipynb');
    expect(first).toEqual([
      { ...base.items[0], foreign: false },
      { ...base.items[1], foreign: false }
    ]);
    // The model replaced c2's entry (its state changed), kept c1's.
    base.items = [kept, entry('a.ipynb', 'c2', 'running')];
    const second = model.entries('a.ipynb');
    expect(second[0]).toBe(first[0]);
    expect(second[1]).not.toBe(first[1]);
    expect(second[1]).toMatchObject({ state: 'running', foreign: false });
  });

  it('applies the foreign run of each notebook kernel and signals its notebooks', () => {
    const base = new BaseModel();
    const tracker = new ForeignTracker({ now: () => 1000 });
    const kernels: Record<string, string> = {
      'a.ipynb': 'k1',
      'b.ipynb': 'k2'
    };
    const model = new ForeignAwareModel({
      model: base,
      tracker,
      kernelOf: key => kernels[key] ?? null,
      keys: () => Object.keys(kernels)
    });
    const changes: string[][] = [];
    model.changed.connect((_, change) => changes.push(change.keys));
    base.items = [
      entry('a.ipynb', 'mine', 'running'),
      entry('b.ipynb', 'x', 'running')
    ];
    tracker.update('k1', {
      serverCells: [
        { key: 'a.ipynb', cellId: 'mine', state: 'running', code: 'x = 1' }
      ],
      documentCells: [],
      cellsWithCode: code =>
        code === 'sleep(10)' ? [{ key: 'a.ipynb', cellId: 'c0' }] : []
    });
    tracker.kernelFact('k1', executeInput('sleep(10)', 'other'));
    expect(changes).toEqual([['a.ipynb']]);
    expect(
      model.entries('a.ipynb').map(e => [e.cellId, e.state, e.foreign])
    ).toEqual([
      ['mine', 'queued', false],
      ['c0', 'running', true]
    ]);
    expect(model.entry('a.ipynb', 'c0')?.ours).toBe(false);
    expect(model.counts('a.ipynb')).toEqual({
      queued: 1,
      running: 0,
      input: 0,
      stale: 0
    });
    expect(model.foreignRuns('a.ipynb')).toHaveLength(1);
    expect(model.foreignRuns('b.ipynb')).toEqual([]);
    expect(model.foreignRuns()).toHaveLength(1);
    // The other notebook is untouched; all entries together.
    expect(model.counts('b.ipynb').running).toBe(1);
    expect(model.entries().map(e => e.cellId)).toEqual(['mine', 'c0', 'x']);
    base.changed.emit({ keys: ['b.ipynb'] });
    expect(changes[1]).toEqual(['b.ipynb']);
  });
});
