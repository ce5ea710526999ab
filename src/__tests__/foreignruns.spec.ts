import { Signal } from '@lumino/signaling';
import {
  ForeignRuns,
  kernelCells,
  type IBaseEntry,
  type IIopubMessageLike,
  type IKernelConnectionLike
} from '../foreign';

class BaseModel {
  readonly changed = new Signal<this, { keys: string[] }>(this);
  items: IBaseEntry[] = [];
  entries(key?: string): IBaseEntry[] {
    return this.items.filter(e => key === undefined || e.key === key);
  }
  set(items: IBaseEntry[]): void {
    this.items = items;
    this.changed.emit({ keys: [...new Set(items.map(i => i.key))] });
  }
}

class FakeKernel implements IKernelConnectionLike {
  constructor(
    readonly id: string,
    readonly clientId: string
  ) {}
  connectionStatus = 'connected';
  readonly iopubMessage = new Signal<any, IIopubMessageLike>(this);
  readonly connectionStatusChanged = new Signal<any, string>(this);
  readonly statusChanged = new Signal<any, string>(this);

  status(state: string, msgId: string, session: string): void {
    this.iopubMessage.emit({
      header: { msg_type: 'status' },
      parent_header: { msg_id: msgId, session, msg_type: 'execute_request' },
      content: { execution_state: state }
    });
  }

  input(msgId: string, session: string, code: string): void {
    this.iopubMessage.emit({
      header: { msg_type: 'execute_input' },
      parent_header: { msg_id: msgId, session, msg_type: 'execute_request' },
      content: { code }
    });
  }
}

function entry(
  cellId: string,
  state: IBaseEntry['state'],
  extra: Partial<IBaseEntry> = {}
): IBaseEntry {
  return {
    key: 'a.ipynb',
    cellId,
    state,
    since: 100,
    firstSeen: 100,
    kernelId: 'k1',
    requestId: 'r-' + cellId,
    ours: true,
    source: 'submission',
    ...extra
  };
}

const SOURCES: Record<string, string> = {
  c0: 'import time\ntime.sleep(10)',
  c1: 'x = 41\nx + 1',
  c2: 'print(2)'
};

describe('kernelCells', () => {
  it('tells cells another frontend marks running from the server’s', () => {
    const cells = kernelCells(
      [
        entry('c0', 'queued', {
          source: 'document',
          requestId: null,
          ours: false,
          firstSeen: 7
        }),
        entry('c1', 'running'),
        entry('c2', 'stale', { source: 'document', requestId: null })
      ],
      (_, id) => SOURCES[id]
    );
    expect(cells.documentCells).toEqual([
      { key: 'a.ipynb', cellId: 'c0', since: 7, code: SOURCES.c0 }
    ]);
    expect(cells.serverCells).toEqual([
      { key: 'a.ipynb', cellId: 'c1', state: 'running', code: SOURCES.c1 }
    ]);
  });
});

describe('ForeignRuns', () => {
  let now: number;
  let base: BaseModel;
  let runs: ForeignRuns<IBaseEntry>;
  let timers: Array<{ at: number; run: () => void }>;
  let restState: string | null;

  beforeEach(() => {
    now = 1000;
    base = new BaseModel();
    timers = [];
    restState = 'idle';
    runs = new ForeignRuns({
      model: base,
      kernelOf: key => (key === 'a.ipynb' ? 'k1' : null),
      keys: () => ['a.ipynb'],
      cellsOf: () =>
        new Map(
          Object.entries(SOURCES).map(([id, source]) => [id, { source }])
        ),
      cellsWithCode: (_, code) =>
        Object.keys(SOURCES).filter(id => SOURCES[id] === code),
      readState: async () => restState,
      now: () => now,
      graceMs: 1000,
      setTimeout: (run, ms) => timers.push({ at: now + ms, run }),
      clearTimeout: () => undefined
    });
  });

  afterEach(() => runs.dispose());

  function advance(ms: number): void {
    now += ms;
    const due = timers.filter(t => t.at <= now);
    timers = timers.filter(t => t.at > now);
    due.forEach(t => t.run());
  }

  it("reads each notebook's cells once per change, however many entries", () => {
    const model = new BaseModel();
    let reads = 0;
    const counted = new ForeignRuns({
      model,
      kernelOf: () => 'k1',
      keys: () => ['a.ipynb'],
      cellsOf: () => {
        reads++;
        return new Map(
          Object.entries(SOURCES).map(([id, source]) => [id, { source }])
        );
      },
      cellsWithCode: () => [],
      readState: async () => 'idle',
      now: () => now,
      setTimeout: () => undefined,
      clearTimeout: () => undefined
    });
    model.set([entry('c0', 'running'), entry('c1', 'queued')]);
    expect(reads).toBe(1);
    model.set([
      entry('c0', 'running'),
      entry('c1', 'queued'),
      entry('c2', 'queued')
    ]);
    expect(reads).toBe(2);
    counted.dispose();
  });

  it('shows a jpterm-like run (no document state) on its cell, and our cell queued behind it until the kernel starts it', () => {
    const kernel = new FakeKernel('k1', 'tab');
    runs.follow(kernel);
    const changes: string[][] = [];
    runs.model.changed.connect((_, c) => changes.push(c.keys));

    kernel.status('busy', 'm-other', 'jpterm');
    kernel.input('m-other', 'jpterm', SOURCES.c0);
    expect(runs.model.foreignRuns('a.ipynb')).toEqual([
      expect.objectContaining({
        kernelId: 'k1',
        cell: { key: 'a.ipynb', cellId: 'c0' },
        code: SOURCES.c0
      })
    ]);
    expect(runs.model.entry('a.ipynb', 'c0')).toMatchObject({
      state: 'running',
      foreign: true
    });
    expect(runs.model.counts('a.ipynb')).toEqual({
      queued: 0,
      running: 0,
      input: 0,
      stale: 0
    });
    expect(changes.length).toBeGreaterThan(0);

    // The server hands our cell to the busy kernel: the model says running.
    base.set([entry('c1', 'running')]);
    expect(runs.model.entry('a.ipynb', 'c1')).toMatchObject({
      state: 'queued',
      foreign: false
    });
    expect(runs.model.counts('a.ipynb').queued).toBe(1);

    // The other client's run ends; the kernel starts ours.
    kernel.status('idle', 'm-other', 'jpterm');
    kernel.status('busy', 'm-ours', 'nbmodel');
    kernel.input('m-ours', 'nbmodel', SOURCES.c1);
    expect(runs.model.foreignRuns('a.ipynb')).toEqual([]);
    expect(runs.model.entry('a.ipynb', 'c1')).toMatchObject({
      state: 'running',
      foreign: false
    });
    expect(runs.model.entry('a.ipynb', 'c0')).toBeUndefined();
  });

  it('does not count our own server run twice, even when the kernel echoes it before the server’s mark arrives', () => {
    const kernel = new FakeKernel('k1', 'tab');
    runs.follow(kernel);
    // Submitted: queued until the server's mark names its request.
    base.set([entry('c1', 'queued')]);
    kernel.status('busy', 'm-ours', 'nbmodel');
    kernel.input('m-ours', 'nbmodel', SOURCES.c1);
    expect(runs.model.foreignRuns()).toEqual([]);
    base.set([entry('c1', 'running')]);
    expect(runs.model.foreignRuns()).toEqual([]);
    expect(runs.model.counts('a.ipynb').running).toBe(1);
    advance(5000);
    expect(runs.model.foreignRuns()).toEqual([]);
  });

  it('counts a busy kernel with nothing to show for it once the grace is over', () => {
    const kernel = new FakeKernel('k1', 'tab');
    runs.follow(kernel);
    kernel.status('busy', 'm-other', 'script');
    // A completion request would be over by now: nothing yet.
    expect(runs.model.foreignRuns()).toEqual([]);
    advance(999);
    expect(runs.model.foreignRuns()).toEqual([]);
    advance(10);
    expect(runs.model.foreignRuns()).toEqual([
      expect.objectContaining({ kernelId: 'k1', cell: null, code: null })
    ]);
    kernel.status('idle', 'm-other', 'script');
    expect(runs.model.foreignRuns()).toEqual([]);
  });

  it('learns of a run already going from the REST model after a reload', async () => {
    restState = 'busy';
    const kernel = new FakeKernel('k1', 'tab');
    runs.follow(kernel);
    await Promise.resolve();
    await Promise.resolve();
    advance(1001);
    expect(runs.model.foreignRuns()).toEqual([
      expect.objectContaining({ kernelId: 'k1', cell: null })
    ]);
  });

  it('follows one connection per kernel and takes every connection’s session as the tab’s own', () => {
    const first = new FakeKernel('k1', 'tab-1');
    const second = new FakeKernel('k1', 'tab-2');
    const a = runs.follow(first);
    runs.follow(second);
    // A cell run in the tab through the second connection is not foreign.
    first.status('busy', 'm', 'tab-2');
    first.input('m', 'tab-2', 'print("in the tab")');
    expect(runs.model.foreignRuns()).toEqual([]);
    first.status('idle', 'm', 'tab-2');
    // The first connection goes: the second one is followed.
    a.dispose();
    second.status('busy', 'm2', 'other');
    second.input('m2', 'other', SOURCES.c2);
    expect(runs.model.foreignRuns()).toEqual([
      expect.objectContaining({ cell: { key: 'a.ipynb', cellId: 'c2' } })
    ]);
    // Nothing is heard from the first connection any more.
    first.status('idle', 'm2', 'other');
    expect(runs.model.foreignRuns()).toHaveLength(1);
  });
});
