import type { Session } from '@jupyterlab/services';
import { Signal } from '@lumino/signaling';
import {
  DuplicateKernelWatch,
  findDuplicates,
  type IDuplicateKernels
} from '../faults/duplicates';
import { sleep, until } from './fakes';

function session(id: string, path: string, kernelId: string | null) {
  return {
    id,
    path,
    name: path,
    type: 'notebook',
    kernel: kernelId ? { id: kernelId, name: 'python3' } : null
  } as Session.IModel;
}

/** A session list as jupyter-server keeps it (PATCH moves a kernel). */
class FakeSessions {
  models: Session.IModel[] = [];
  readonly runningChanged = new Signal<this, Session.IModel[]>(this);
  refreshRunning = jest.fn(async () => {
    this.runningChanged.emit(this.models);
  });
  running() {
    return this.models[Symbol.iterator]();
  }
  move = jest.fn(async (sessionId: string, kernelId: string) => {
    this.models = this.models.map(m =>
      m.id === sessionId
        ? { ...m, kernel: { id: kernelId, name: 'python3' } }
        : m
    );
  });
}

describe('findDuplicates', () => {
  it('finds the paths open here with sessions on more than one kernel; the first listed is kept', () => {
    const found = findDuplicates(
      [
        session('s1', 'a.ipynb', 'k1'),
        session('s2', 'b.ipynb', 'k2'),
        session('s3', 'a.ipynb', 'k3'),
        session('s4', 'a.ipynb', 'k1'),
        session('s5', 'b.ipynb', 'k2'),
        session('s6', 'c.ipynb', 'k6'),
        session('s7', 'c.ipynb', 'k7'),
        session('s8', 'a.ipynb', null)
      ],
      new Set(['a.ipynb', 'b.ipynb'])
    );
    expect(found).toEqual([
      {
        path: 'a.ipynb',
        keep: { sessionId: 's1', kernelId: 'k1' },
        move: [{ sessionId: 's3', kernelId: 'k3' }]
      }
    ]);
  });
});

describe('DuplicateKernelWatch', () => {
  let sessions: FakeSessions;
  let watch: DuplicateKernelWatch;
  let found: IDuplicateKernels[];
  let resolved: IDuplicateKernels[];
  let open: Set<string>;

  beforeEach(() => {
    sessions = new FakeSessions();
    open = new Set(['a.ipynb']);
    watch = new DuplicateKernelWatch({
      sessions,
      openPaths: () => open,
      moveSession: sessions.move,
      refreshMs: 10
    });
    found = [];
    resolved = [];
    watch.found.connect((_, f) => found.push(f));
    watch.resolved.connect((_, f) => resolved.push(f));
  });

  afterEach(() => watch.dispose());

  it('tells each set of duplicates once, and when it is gone', async () => {
    sessions.models = [session('s1', 'a.ipynb', 'k1')];
    watch.check();
    expect(found).toEqual([]);

    sessions.models.push(session('s2', 'a.ipynb', 'k2'));
    sessions.runningChanged.emit(sessions.models);
    sessions.runningChanged.emit(sessions.models);
    watch.check();
    expect(found).toHaveLength(1);
    expect(found[0].move).toEqual([{ sessionId: 's2', kernelId: 'k2' }]);

    // Resolved elsewhere: this tab reads the list again on its own while
    // duplicates are known.
    await sessions.move('s2', 'k1');
    await until(() => resolved.length === 1, 'the refresh');
    expect(watch.current).toEqual([]);
    const refreshes = sessions.refreshRunning.mock.calls.length;
    await sleep(50);
    // No more reading once there are none.
    expect(sessions.refreshRunning.mock.calls.length).toBe(refreshes);
  });

  it('ignores notebooks not open here', () => {
    sessions.models = [
      session('s1', 'b.ipynb', 'k1'),
      session('s2', 'b.ipynb', 'k2')
    ];
    watch.check();
    expect(found).toEqual([]);
    open.add('b.ipynb');
    watch.check();
    expect(found).toHaveLength(1);
  });

  it('resolve moves every newer session onto the older kernel and reads the list again', async () => {
    sessions.models = [
      session('s1', 'a.ipynb', 'k1'),
      session('s2', 'a.ipynb', 'k2'),
      session('s3', 'a.ipynb', 'k3')
    ];
    watch.check();
    await watch.resolve(found[0]);
    expect(sessions.move.mock.calls).toEqual([
      ['s2', 'k1'],
      ['s3', 'k1']
    ]);
    expect(new Set(sessions.models.map(m => m.kernel!.id))).toEqual(
      new Set(['k1'])
    );
    expect(resolved).toHaveLength(1);
  });

  it('a failed move rejects and keeps the warning', async () => {
    sessions.models = [
      session('s1', 'a.ipynb', 'k1'),
      session('s2', 'a.ipynb', 'k2')
    ];
    watch.check();
    sessions.move.mockRejectedValueOnce(new Error('No such kernel'));
    await expect(watch.resolve(found[0])).rejects.toThrow('No such kernel');
    expect(resolved).toEqual([]);
    expect(watch.current).toHaveLength(1);
  });
});
