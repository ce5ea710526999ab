import type { YNotebook } from '@jupyter/ydoc';
import { NbmodelBackend, NBMODEL_METADATA_KEY } from '../backend/nbmodel';
import { InFlightModel } from '../inflight';
import { followModel, runningRequests } from '../stdin/follow';
import type { IShownPrompt } from '../stdin/prompts';
import type { IInFlightEntry } from '../tokens';
import { codeCell, notebookWithCells, quietYjsWarnings } from './fakes';
import { KERNEL, PATH, advance, fakeServer, newWatcher } from './stdinfakes';

quietYjsWarnings();

describe('runningRequests', () => {
  const entry = (over: Partial<IInFlightEntry>): IInFlightEntry => ({
    key: PATH,
    cellId: 'c1',
    state: 'running',
    since: 0,
    firstSeen: 0,
    kernelId: KERNEL,
    requestId: 'r1',
    ours: false,
    source: 'document',
    ...over
  });

  it('keeps running and waiting requests with a kernel and an id', () => {
    expect(
      runningRequests([
        entry({}),
        entry({ cellId: 'c2', requestId: 'r2', state: 'input' }),
        entry({ cellId: 'c3', state: 'queued' }),
        entry({ cellId: 'c4', state: 'stale' }),
        entry({ cellId: 'c5', requestId: null }),
        entry({ cellId: 'c6', kernelId: null })
      ]).map(r => r.cellId)
    ).toEqual(['c1', 'c2']);
  });
});

describe('the in-flight model with prompts, in a tab that did not submit', () => {
  let opened: Array<{ dispose(): void }> = [];

  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    for (const thing of opened.reverse()) {
      thing.dispose();
    }
    opened = [];
    jest.useRealTimers();
  });

  /** What jupyter-server-nbmodel writes when it starts a request. */
  function serverStart(nb: YNotebook, id: string, requestId: string) {
    const cell = codeCell(nb, id);
    nb.transact(() => {
      cell.executionState = 'running';
      cell.setMetadata(NBMODEL_METADATA_KEY, {
        requestId,
        kernelId: KERNEL
      });
    });
  }

  /** What it writes when the request ends (also by an interrupt). */
  function serverEnd(nb: YNotebook, id: string, count: number) {
    nb.transact(() => {
      const cell = codeCell(nb, id);
      cell.execution_count = count;
      cell.executionState = 'idle';
      cell.deleteMetadata(NBMODEL_METADATA_KEY);
    });
  }

  /** A notebook of these cells, its in-flight model and its prompts. */
  function openNotebook(cells: string[]) {
    const server = fakeServer();
    const nb = notebookWithCells(cells);
    const model = new InFlightModel({
      readMark: NbmodelBackend.prototype.readCellMark
    });
    model.addNotebook(PATH, nb, KERNEL);
    const watcher = newWatcher(server);
    const joined = followModel(model, watcher);
    opened.push(model, watcher, joined);
    return { server, nb, model, watcher };
  }

  /** The server starts a request in a cell that asks at once. */
  async function startAsking(
    { server, nb }: ReturnType<typeof openNotebook>,
    id: string,
    requestId: string
  ) {
    serverStart(nb, id, requestId);
    server.ask(requestId, 'p1');
    await advance(200);
  }

  it('says "input" for the cell whose run waits, and "running" again once answered', async () => {
    const { server, nb, model, watcher } = openNotebook(['a', 'b']);

    serverStart(nb, 'b', 'r9');
    expect(model.entry(PATH, 'b')?.state).toBe('running');
    server.ask('r9', 'p1');
    await advance(200);
    expect(server.findInput).toHaveBeenCalledWith(KERNEL, { requestId: 'r9' });
    expect(model.entry(PATH, 'b')?.state).toBe('input');
    expect(model.counts(PATH).input).toBe(1);
    expect(watcher.prompt(PATH, 'b')?.prompt).toBe('who? ');

    const shown: IShownPrompt = watcher.prompt(PATH, 'b')!;
    await expect(watcher.answer(shown, 'Ada')).resolves.toBe('answered');
    expect(model.entry(PATH, 'b')?.state).toBe('running');

    // The run ends: nothing polled any more.
    serverEnd(nb, 'b', 1);
    expect(model.entry(PATH, 'b')).toBeUndefined();
    const calls = server.findInput.mock.calls.length;
    await advance(5000);
    expect(server.findInput).toHaveBeenCalledTimes(calls);
  });

  it('drops the prompt when the kernel restarts', async () => {
    const tab = openNotebook(['a']);
    const { model, watcher } = tab;
    model.setKernelStatus(KERNEL, 'busy');
    await startAsking(tab, 'a', 'r1');
    expect(watcher.prompts).toHaveLength(1);
    // The document still says running: nobody wrote the end.
    model.setKernelStatus(KERNEL, 'restarting');
    expect(watcher.prompts).toEqual([]);
    expect(model.counts(PATH).input).toBe(0);
  });

  it('drops the prompt and the "input" state when the run is interrupted', async () => {
    const tab = openNotebook(['a']);
    const { nb, model, watcher } = tab;
    await startAsking(tab, 'a', 'r1');
    expect(model.entry(PATH, 'a')?.state).toBe('input');
    // The interrupt ends the run with an error: nbmodel writes idle.
    serverEnd(nb, 'a', 2);
    expect(watcher.prompts).toEqual([]);
    expect(model.counts(PATH).input).toBe(0);
  });
});
