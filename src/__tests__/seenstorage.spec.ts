import { StateDB } from '@jupyterlab/statedb';
import { markRunning, notebookWithCells, codeCell } from './fakes';
import {
  diffSinceSnapshot,
  parseSnapshot,
  takeSnapshot
} from '../whileaway/snapshot';
import { LEGACY_LOCAL_PREFIX, SeenStorage, SeenStore } from '../whileaway';

// @jupyter/ydoc reads a cell's fields before inserting it; Yjs warns.
const warn = console.warn;
beforeAll(() => {
  jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    if (!String(args[0]).startsWith('Invalid access: Add Yjs type')) {
      warn(...args);
    }
  });
});
afterAll(() => {
  jest.restoreAllMocks();
});

const KEY = `${LEGACY_LOCAL_PREFIX}work/a.ipynb`;

describe('SeenStorage', () => {
  it('answers the watcher from what every browser saw', async () => {
    const db = new StateDB();
    const nb = notebookWithCells(['a']);
    markRunning(nb, 'a');
    // Browser A saw it running.
    const a = new SeenStorage(
      new SeenStore({ db, local: null, browser: 'a1' })
    );
    a.setItem(KEY, JSON.stringify(takeSnapshot(nb.cells, { now: 1 })));
    // Let the background write land.
    await new Promise(resolve => setTimeout(resolve, 0));
    await db.list('x');
    const cell = codeCell(nb, 'a');
    nb.transact(() => {
      cell.execution_count = 1;
      cell.executionState = 'idle';
    });
    // Browser B (same workspace) opens the notebook.
    const b = new SeenStorage(
      new SeenStore({ db, local: null, browser: 'b1' })
    );
    expect(b.getItem(KEY)).toBeNull();
    await b.preload(KEY);
    const seen = parseSnapshot(b.getItem(KEY));
    expect(diffSinceSnapshot(seen!, nb.cells).finished).toEqual(['a']);
  });

  it('ignores keys it does not know, and says nothing when the store fails', async () => {
    const failing = {
      read: () => Promise.reject(new Error('down')),
      write: () => Promise.reject(new Error('down'))
    };
    const storage = new SeenStorage(failing);
    storage.setItem('other', '{}');
    expect(storage.getItem('other')).toBeNull();
    await storage.preload(KEY);
    expect(storage.getItem(KEY)).toBeNull();
    storage.setItem(
      KEY,
      JSON.stringify({ version: 1, takenAt: 1, cells: {}, unseen: [] })
    );
    expect(storage.getItem(KEY)).not.toBeNull();
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(console.warn).toHaveBeenCalledWith(
      'Could not save what was seen of',
      'work/a.ipynb',
      expect.any(Error)
    );
  });
});
