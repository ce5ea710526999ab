/**
 * When a newly opened notebook has rendered its cells: the badges and
 * "while you were away" wait for it, out of the way of the cells.
 */
import { PromiseDelegate } from '@lumino/coreutils';
import { cellsRendered, type IRenderingNotebook } from '../views/rendered';

function notebook(cells: number): {
  panel: IRenderingNotebook & { isDisposed: boolean };
  loaded: PromiseDelegate<void>;
  rendered: Array<PromiseDelegate<void>>;
} {
  const loaded = new PromiseDelegate<void>();
  const rendered = Array.from(
    { length: cells },
    () => new PromiseDelegate<void>()
  );
  const panel = {
    isDisposed: false,
    context: { ready: loaded.promise },
    content: { widgets: rendered.map(cell => ({ ready: cell.promise })) }
  };
  return { panel, loaded, rendered };
}

/** Idle callbacks run only when the test says the browser is idle. */
function manualIdle() {
  const waiting: Array<{ callback: () => void; timeout: number }> = [];
  return {
    idle: (callback: () => void, timeout: number) =>
      waiting.push({ callback, timeout }),
    waiting,
    runIdle: () => waiting.splice(0).forEach(({ callback }) => callback())
  };
}

/** Whether `promise` settled once pending callbacks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise(resolve => setTimeout(resolve, 0));
  return done;
}

describe('cellsRendered', () => {
  it('waits for the load, every cell and then idle time', async () => {
    const { panel, loaded, rendered } = notebook(3);
    const { idle, waiting, runIdle } = manualIdle();
    const done = cellsRendered(panel, { idle, maxWait: 60000 });

    expect(await settled(done)).toBe(false);
    loaded.resolve();
    rendered[0].resolve();
    rendered[2].resolve();
    expect(await settled(done)).toBe(false);
    expect(waiting).toHaveLength(0);

    rendered[1].resolve();
    await settled(done);
    // Rendered, but the last cell's outputs may still be coming in.
    expect(waiting).toHaveLength(1);
    expect(await settled(done)).toBe(false);
    runIdle();
    expect(await settled(done)).toBe(true);
  });

  it('stops waiting for a cell that never renders after maxWait', async () => {
    const { panel, loaded } = notebook(2);
    const { idle, waiting, runIdle } = manualIdle();
    const done = cellsRendered(panel, { idle, maxWait: 30 });
    loaded.resolve();
    expect(await settled(done)).toBe(false);

    await new Promise(resolve => setTimeout(resolve, 60));
    expect(waiting).toHaveLength(1);
    // No time left: the idle callback must not wait any longer either.
    expect(waiting[0].timeout).toBe(0);
    runIdle();
    expect(await settled(done)).toBe(true);
  });

  it('gives up at once on a panel disposed before its load', async () => {
    const { panel, loaded } = notebook(1);
    const { idle, waiting } = manualIdle();
    const done = cellsRendered(panel, { idle });
    panel.isDisposed = true;
    loaded.resolve();
    expect(await settled(done)).toBe(true);
    expect(waiting).toHaveLength(0);
  });

  it('gives up at once on a document that failed to load', async () => {
    const { panel, loaded } = notebook(1);
    const { idle, waiting } = manualIdle();
    const done = cellsRendered(panel, { idle });
    loaded.reject(new Error('no such file'));
    expect(await settled(done)).toBe(true);
    expect(waiting).toHaveLength(0);
  });

  it('resolves in idle time for a notebook with no cell', async () => {
    const { panel, loaded } = notebook(0);
    const { idle, runIdle } = manualIdle();
    const done = cellsRendered(panel, { idle });
    loaded.resolve();
    expect(await settled(done)).toBe(false);
    runIdle();
    expect(await settled(done)).toBe(true);
  });
});
