/**
 * The "while you were away" watcher, on real YNotebooks and an in-memory
 * storage (it was a class inside the plugin, reached by no unit test).
 */
import type { YNotebook } from '@jupyter/ydoc';
import { UnseenCells } from '../inflight/unseen';
import { AwayWatcher } from '../whileaway/watcher';
import {
  codeCell,
  markRunning,
  notebookWithCells,
  quietYjsWarnings,
  sleep
} from './fakes';

quietYjsWarnings();

const KEY = 'RTC:work/nb.ipynb';

const english = {
  __: (msgid: string, ...args: unknown[]) =>
    msgid.replace(/%(\d+)/g, (_, i) => String(args[Number(i) - 1])),
  _n: (one: string, many: string, n: number, ...args: unknown[]) =>
    (n === 1 ? one : many).replace(/%(\d+)/g, (_, i) =>
      String(args[Number(i) - 1])
    )
};

function finish(nb: YNotebook, id: string, count: number): void {
  const cell = codeCell(nb, id);
  nb.transact(() => {
    cell.execution_count = count;
    cell.executionState = 'idle';
  });
}

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value)
  };
}

function open(nb: YNotebook, storage: ReturnType<typeof memoryStorage>) {
  const unseen = new UnseenCells();
  const told: Array<{ message: string; first: string }> = [];
  const watcher = new AwayWatcher({
    notebook: nb,
    key: () => KEY,
    path: () => KEY,
    unseen,
    storage,
    trans: english,
    notify: (message, _key, first) => told.push({ message, first }),
    saveDelayMs: 10
  });
  return { watcher, unseen, told };
}

describe('AwayWatcher', () => {
  it('says nothing the first time, and stores what it saw under the path without drive', () => {
    const nb = notebookWithCells(['a']);
    const storage = memoryStorage();
    const { told, watcher } = open(nb, storage);
    expect(told).toEqual([]);
    expect([...storage.items.keys()]).toEqual([
      '@jupyterlab-handoff/extension:seen:work/nb.ipynb'
    ]);
    watcher.dispose();
  });

  it('tells once what finished while the notebook was closed, and marks it until seen', async () => {
    const nb = notebookWithCells(['a', 'b']);
    const storage = memoryStorage();
    markRunning(nb, 'b');
    open(nb, storage).watcher.dispose();

    finish(nb, 'b', 3);
    const again = open(nb, storage);
    expect(again.told).toEqual([
      { message: '1 cell finished since you left', first: 'b' }
    ]);
    expect(again.unseen.get(KEY)).toEqual(['b']);

    // Seen: the stored list follows, so the next open does not mark it.
    again.unseen.seen(KEY, 'b');
    await sleep(30);
    again.watcher.dispose();
    const third = open(nb, storage);
    expect(third.told).toEqual([]);
    expect(third.unseen.get(KEY)).toEqual([]);
    third.watcher.dispose();
  });

  it('saves nothing while paused, and compares when the connection is back', async () => {
    const nb = notebookWithCells(['a']);
    const storage = memoryStorage();
    markRunning(nb, 'a');
    const { watcher, told } = open(nb, storage);
    watcher.pause();
    finish(nb, 'a', 1);
    await sleep(30);
    watcher.compare();
    expect(told).toEqual([
      { message: '1 cell finished since you left', first: 'a' }
    ]);
    watcher.dispose();
  });

  it("after the first comparison, the page's own unseen list wins over the stored one", async () => {
    const nb = notebookWithCells(['a', 'b']);
    const storage = memoryStorage();
    markRunning(nb, 'a');
    markRunning(nb, 'b');
    open(nb, storage).watcher.dispose();
    finish(nb, 'a', 1);
    finish(nb, 'b', 2);
    const { watcher, unseen } = open(nb, storage);
    expect(unseen.get(KEY)).toEqual(['a', 'b']);

    // Seen while saving was paused (a kernel connection replaced).
    watcher.pause();
    unseen.seen(KEY, 'a');
    watcher.compare();
    expect(unseen.get(KEY)).toEqual(['b']);
    watcher.dispose();
  });

  it('saves when the notebook closes, and never after', async () => {
    const nb = notebookWithCells(['a']);
    const storage = memoryStorage();
    const { watcher } = open(nb, storage);
    const key = watcher.storageKey;
    markRunning(nb, 'a');
    watcher.dispose();
    expect(JSON.parse(storage.items.get(key)!).cells.a.running).toBe(true);
    finish(nb, 'a', 1);
    await sleep(30);
    expect(JSON.parse(storage.items.get(key)!).cells.a.running).toBe(true);
  });
});
