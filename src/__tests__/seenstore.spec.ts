import { YNotebook } from '@jupyter/ydoc';
import { StateDB } from '@jupyterlab/statedb';
import {
  codeCell,
  markRunning,
  notebookWithCells,
  quietYjsWarnings
} from './fakes';
import {
  awayMessage,
  diffSinceSnapshot,
  takeSnapshot,
  type INotebookSnapshot
} from '../whileaway/snapshot';
import {
  BROWSER_ID_KEY,
  LEGACY_LOCAL_PREFIX,
  SEEN_NAMESPACE,
  SeenStore,
  browserId,
  mergeRecords,
  overBounds,
  parseRecord,
  recordId,
  toRecord,
  type ISeenRecord
} from '../whileaway/seenstore';

quietYjsWarnings();

/** localStorage of one browser. */
class MemoryStorage {
  items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

/**
 * The server's copy of the workspace: each browser loads it into its own
 * `StateDB` when the page opens and saves its whole state back (last writer
 * wins), as JupyterLab's workspace saving does.
 */
class Workspace {
  data: Record<string, any> = {};
  async open(): Promise<StateDB> {
    const db = new StateDB({
      transform: Promise.resolve({
        type: 'merge' as const,
        contents: JSON.parse(JSON.stringify(this.data))
      })
    });
    await db.list(SEEN_NAMESPACE);
    return db;
  }
  async save(db: StateDB): Promise<void> {
    this.data = JSON.parse(JSON.stringify(await db.toJSON()));
  }
}

function finish(nb: YNotebook, id: string, count: number): void {
  const cell = codeCell(nb, id);
  nb.transact(() => {
    cell.execution_count = count;
    cell.executionState = 'idle';
    cell.setOutputs([
      { output_type: 'stream', name: 'stdout', text: 'done\n' }
    ]);
  });
}

function snapshot(nb: YNotebook, unseen: string[] = []): INotebookSnapshot {
  return takeSnapshot(nb.cells, { now: 0, unseen });
}

const PATH = 'work/a.ipynb';

const english = {
  __: (msgid: string, ...args: unknown[]) =>
    msgid.replace(/%(\d+)/g, (_, i) => String(args[Number(i) - 1])),
  _n: (one: string, many: string, n: number, ...args: unknown[]) =>
    (n === 1 ? one : many).replace(/%(\d+)/g, (_, i) =>
      String(args[Number(i) - 1])
    )
};

describe('the per-user seen store', () => {
  it('gives a second browser the same "while you were away" as the first', async () => {
    const workspace = new Workspace();
    const nb = notebookWithCells(['a', 'b', 'c']);
    markRunning(nb, 'b');
    // Browser A watches the run, then closes.
    const a = new SeenStore({
      db: await workspace.open(),
      local: new MemoryStorage(),
      browser: 'browser-a',
      now: () => 1000
    });
    await a.write(PATH, snapshot(nb));
    await workspace.save((a as any)._db);
    // The run finishes with no tab open.
    finish(nb, 'b', 1);
    // Browser B, never used before, opens the notebook.
    const b = new SeenStore({
      db: await workspace.open(),
      local: new MemoryStorage(),
      browser: 'browser-b',
      now: () => 2000
    });
    const seen = await b.read(PATH);
    expect(seen).not.toBeNull();
    const diff = diffSinceSnapshot(seen!, nb.cells);
    expect(diff.finished).toEqual(['b']);
    expect(diff.marked).toEqual(['b']);
    expect(awayMessage(diff, english)).toBe('1 cell finished since you left');
  });

  it('never lets two open browsers erase each other', async () => {
    const workspace = new Workspace();
    const nb = notebookWithCells(['a', 'b']);
    markRunning(nb, 'a');
    markRunning(nb, 'b');
    const dbA = await workspace.open();
    const dbB = await workspace.open();
    let t = 100;
    const a = new SeenStore({
      db: dbA,
      local: new MemoryStorage(),
      browser: 'browser-a',
      now: () => t,
      remote: async () => workspace.data,
      pullIntervalMs: 0
    });
    const b = new SeenStore({
      db: dbB,
      local: new MemoryStorage(),
      browser: 'browser-b',
      now: () => t,
      remote: async () => workspace.data,
      pullIntervalMs: 0
    });
    // Both watch; B sees "a" finish and saves last: its copy of the
    // workspace does not hold A's record at all.
    await a.write(PATH, snapshot(nb));
    await workspace.save(dbA);
    t = 200;
    finish(nb, 'a', 1);
    await b.write(PATH, snapshot(nb));
    await workspace.save(dbB);
    // A saves again later (any change of its state): B's record stays.
    t = 300;
    await a.write(PATH, snapshot(nb));
    await workspace.save(dbA);
    const records = Object.keys(workspace.data).filter(id =>
      id.startsWith(`${SEEN_NAMESPACE}:`)
    );
    expect(records.sort()).toEqual(
      [recordId(PATH, 'browser-a'), recordId(PATH, 'browser-b')].sort()
    );
    // A third browser: "a" was seen finishing (in B), "b" is news.
    finish(nb, 'b', 2);
    const c = new SeenStore({
      db: await workspace.open(),
      local: null,
      browser: 'browser-c',
      now: () => 400
    });
    const diff = diffSinceSnapshot((await c.read(PATH))!, nb.cells);
    expect(diff.finished).toEqual(['b']);
  });

  it('does not mark again a cell seen in another browser', async () => {
    const nb = notebookWithCells(['a', 'b']);
    finish(nb, 'a', 1);
    markRunning(nb, 'b');
    const dbA = new StateDB();
    const dbB = new StateDB();
    const a = new SeenStore({
      db: dbA,
      local: null,
      browser: 'browser-a',
      now: () => 100
    });
    const b = new SeenStore({
      db: dbB,
      local: null,
      browser: 'browser-b',
      now: () => 100
    });
    // Both browsers show "a" as unseen. B's user selects it at t=200;
    // at t=300 A sees "b" finish and writes again, still listing "a".
    await a.write(PATH, snapshot(nb, ['a']));
    await b.write(PATH, snapshot(nb, ['a']));
    (b as any)._now = () => 200;
    await b.write(PATH, snapshot(nb, []));
    finish(nb, 'b', 2);
    (a as any)._now = () => 300;
    await a.write(PATH, snapshot(nb, ['a']));
    const recordA = parseRecord(await dbA.fetch(recordId(PATH, 'browser-a')))!;
    const recordB = parseRecord(await dbB.fetch(recordId(PATH, 'browser-b')))!;
    // A's record is the newer one and lists "a" unseen...
    expect(recordA.takenAt).toBeGreaterThan(recordB.takenAt);
    expect(recordA.cells.a[3]).toBe(1);
    // ...but B saw "a" change last: "a" is seen, and "b" is A's news.
    const merged = mergeRecords([recordA, recordB])!;
    expect(merged.unseen).toEqual([]);
    expect(merged.cells.b.count).toBe(2);
  });

  it('pulls the server copy before a write at most once per interval, and on every read', async () => {
    let pulls = 0;
    let t = 0;
    const store = new SeenStore({
      db: new StateDB(),
      local: null,
      browser: 'browser-a',
      now: () => t,
      remote: async () => {
        pulls++;
        return {};
      },
      pullIntervalMs: 5000
    });
    const nb = notebookWithCells(['a', 'b']);
    await store.write(PATH, snapshot(nb));
    expect(pulls).toBe(1);
    t = 1000;
    finish(nb, 'a', 1);
    await store.write(PATH, snapshot(nb));
    expect(pulls).toBe(1);
    t = 6000;
    finish(nb, 'b', 2);
    await store.write(PATH, snapshot(nb));
    expect(pulls).toBe(2);
    await store.read(PATH);
    expect(pulls).toBe(3);
  });

  it('keeps writes in order: the newest record lands last', async () => {
    const db = new StateDB();
    // The first save is slow.
    const save = db.save.bind(db);
    let first = true;
    jest.spyOn(db, 'save').mockImplementation(async (id, value) => {
      if (first) {
        first = false;
        await new Promise(resolve => setTimeout(resolve, 50));
      }
      return save(id, value);
    });
    let t = 0;
    const store = new SeenStore({
      db,
      local: null,
      browser: 'browser-a',
      now: () => ++t
    });
    const nb = notebookWithCells(['a']);
    markRunning(nb, 'a');
    const one = store.write(PATH, snapshot(nb));
    finish(nb, 'a', 1);
    const two = store.write(PATH, snapshot(nb));
    await Promise.all([one, two]);
    const stored = parseRecord(await db.fetch(recordId(PATH, 'browser-a')));
    expect(stored!.cells.a[0]).toBe(1);
  });

  it('works on its own copy when the server cannot be asked', async () => {
    const db = new StateDB();
    const store = new SeenStore({
      db,
      local: null,
      browser: 'browser-a',
      now: () => 10,
      remote: () => Promise.reject(new Error('offline'))
    });
    const nb = notebookWithCells(['a']);
    markRunning(nb, 'a');
    await store.write(PATH, snapshot(nb));
    finish(nb, 'a', 1);
    const diff = diffSinceSnapshot((await store.read(PATH))!, nb.cells);
    expect(diff.finished).toEqual(['a']);
  });

  it('writes its own record to localStorage at once, and reads it back first', async () => {
    const local = new MemoryStorage();
    const db = new StateDB();
    let t = 10;
    const store = new SeenStore({
      db,
      local,
      browser: 'browser-a',
      now: () => t
    });
    const nb = notebookWithCells(['a']);
    markRunning(nb, 'a');
    // The state database is slow: its save has not happened yet.
    const saving = store.write(PATH, snapshot(nb));
    expect(
      parseRecord(local.getItem(`${SEEN_NAMESPACE}:${PATH}`))?.cells.a[1]
    ).toBe(1);
    await saving;
    t = 20;
    finish(nb, 'a', 1);
    await store.write(PATH, snapshot(nb));
    // A stale copy in the state database (workspace saved before the tab
    // closed) loses to localStorage's newer one.
    await db.save(
      recordId(PATH, 'browser-a'),
      toRecord(
        null,
        snapshot(notebookWithCells(['a'])),
        'browser-a',
        PATH,
        5
      ) as any
    );
    const seen = await store.read(PATH);
    expect(seen!.cells.a.count).toBe(1);
  });

  it('reads the snapshot an older build kept in localStorage', async () => {
    const local = new MemoryStorage();
    const nb = notebookWithCells(['a']);
    markRunning(nb, 'a');
    local.setItem(
      LEGACY_LOCAL_PREFIX + PATH,
      JSON.stringify(takeSnapshot(nb.cells, { now: 50 }))
    );
    finish(nb, 'a', 3);
    const store = new SeenStore({
      db: new StateDB(),
      local,
      browser: 'browser-a'
    });
    const diff = diffSinceSnapshot((await store.read(PATH))!, nb.cells);
    expect(diff.finished).toEqual(['a']);
  });

  it('writes the state database only when a cell changed', async () => {
    const db = new StateDB();
    const saves: string[] = [];
    db.changed.connect((_, change) => saves.push(String(change.id)));
    let t = 1;
    const store = new SeenStore({
      db,
      local: null,
      browser: 'browser-a',
      now: () => t++
    });
    const nb = notebookWithCells(['a', 'b']);
    await store.write(PATH, snapshot(nb));
    await store.write(PATH, snapshot(nb));
    await store.write(PATH, snapshot(nb));
    expect(saves).toHaveLength(1);
    finish(nb, 'a', 1);
    await store.write(PATH, snapshot(nb));
    expect(saves).toHaveLength(2);
  });

  it('follows a renamed notebook for every browser', async () => {
    const db = new StateDB();
    const nb = notebookWithCells(['a']);
    for (const browser of ['browser-a', 'browser-b']) {
      await new SeenStore({ db, local: null, browser }).write(
        PATH,
        snapshot(nb)
      );
    }
    const store = new SeenStore({ db, local: null, browser: 'browser-a' });
    await store.rename(PATH, 'work/b.ipynb');
    const { ids } = await db.list(SEEN_NAMESPACE);
    expect(ids.sort()).toEqual(
      [
        recordId('work/b.ipynb', 'browser-a'),
        recordId('work/b.ipynb', 'browser-b')
      ].sort()
    );
    expect(await store.read(PATH)).toBeNull();
    expect(await store.read('work/b.ipynb')).not.toBeNull();
  });
});

describe('bounds', () => {
  it('keeps at most maxCells cells per record, the ones seen changing last', () => {
    const nb = notebookWithCells(['a', 'b', 'c', 'd']);
    const first = toRecord(null, snapshot(nb), 'x', PATH, 1);
    finish(nb, 'b', 1);
    finish(nb, 'd', 2);
    const record = toRecord(first, snapshot(nb), 'x', PATH, 2, 2);
    expect(Object.keys(record.cells)).toEqual(['b', 'd']);
    // Unchanged cells keep the time they were seen changing.
    expect(
      toRecord(first, snapshot(notebookWithCells(['a'])), 'x', PATH, 9).cells
        .a[4]
    ).toBe(1);
  });

  it('drops the oldest records beyond the per-notebook and total caps', () => {
    const record = (path: string, browser: string, takenAt: number) => ({
      id: recordId(path, browser),
      record: { v: 2, browser, path, takenAt, cells: {} } as ISeenRecord
    });
    const records = [
      record('a', 'b1', 1),
      record('a', 'b2', 2),
      record('a', 'b3', 3),
      record('b', 'b1', 4),
      record('c', 'b1', 5)
    ];
    // Two browsers per notebook: a's oldest goes.
    expect(overBounds(records, recordId('c', 'b1'), 2, 10)).toEqual([
      recordId('a', 'b1')
    ]);
    // Three records in all: the oldest two go, never the one just written.
    expect(overBounds(records, recordId('a', 'b1'), 10, 3)).toEqual([
      recordId('a', 'b2'),
      recordId('a', 'b3')
    ]);
  });

  it('stays within the total cap through the store', async () => {
    const db = new StateDB();
    const nb = notebookWithCells(['a']);
    let t = 0;
    for (let i = 0; i < 8; i++) {
      await new SeenStore({
        db,
        local: null,
        browser: 'browser-a',
        now: () => ++t,
        maxRecords: 5
      }).write(`nb${i}.ipynb`, snapshot(nb));
    }
    const { ids } = await db.list(SEEN_NAMESPACE);
    expect(ids.sort()).toEqual(
      [3, 4, 5, 6, 7].map(i => recordId(`nb${i}.ipynb`, 'browser-a')).sort()
    );
  });
});

describe('records', () => {
  it('reject what is not a record and drop invalid cells', () => {
    expect(parseRecord('not json')).toBeNull();
    expect(parseRecord({ v: 1 })).toBeNull();
    expect(
      parseRecord({
        v: 2,
        browser: 'x',
        path: PATH,
        takenAt: 1,
        cells: { a: [1, 0, '0', 0, 1], b: [1, 2, '0', 0, 1], c: 'x' }
      })
    ).toEqual({
      v: 2,
      browser: 'x',
      path: PATH,
      takenAt: 1,
      cells: { a: [1, 0, '0', 0, 1] }
    });
    expect(mergeRecords([])).toBeNull();
  });

  it('give each browser a lasting id', () => {
    const local = new MemoryStorage();
    const id = browserId(local, () => 'f3b0c1d2-aaaa-bbbb-cccc-0123456789ab');
    expect(id).toBe('f3b0c1d2-aaaa-bbbb-cccc-0123456789ab');
    expect(local.getItem(BROWSER_ID_KEY)).toBe(id);
    expect(browserId(local, () => 'another-one-entirely')).toBe(id);
    // No localStorage: a new id every time.
    expect(browserId(null, () => 'page-id-1234')).toBe('page-id-1234');
  });
});
