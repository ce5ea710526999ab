import type { YNotebook } from '@jupyter/ydoc';
import { BackendError } from '../backend/types';
import {
  NbmodelBackend,
  NBMODEL_CAPABILITIES,
  NBMODEL_METADATA_KEY
} from '../backend/nbmodel';
import { InFlightModel } from '../inflight';
import { followModel, runningRequests } from '../stdin/follow';
import {
  PromptWatcher,
  type IPromptWatcherOptions,
  type IRunningRequest,
  type IShownPrompt
} from '../stdin/prompts';
import type {
  IExecutionBackend,
  IInFlightEntry,
  InputAnswer,
  IPendingInput,
  ISubmission
} from '../tokens';
import { codeCell, notebookWithCells, quietYjsWarnings } from './fakes';

quietYjsWarnings();

const KERNEL = 'k1';
const PATH = 'work/ask.ipynb';

/**
 * A server with one stdin prompt per kernel at most, answered first come
 * first served (as our server route does).
 */
function fakeServer() {
  let pending: { requestId: string; prompt: IPendingInput } | null = null;
  let failing: Error | null = null;
  const answers: Array<{ requestId: string; id?: string; value: string }> = [];
  const findInput = jest.fn(
    async (
      kernelId: string,
      submission: ISubmission
    ): Promise<IPendingInput | null> => {
      if (failing) {
        throw failing;
      }
      return pending && pending.requestId === submission.requestId
        ? pending.prompt
        : null;
    }
  );
  const answerInput = jest.fn(
    async (
      kernelId: string,
      submission: ISubmission,
      prompt: IPendingInput,
      value: string
    ): Promise<InputAnswer> => {
      if (failing) {
        throw failing;
      }
      if (
        !pending ||
        pending.requestId !== submission.requestId ||
        pending.prompt.id !== prompt.id
      ) {
        return 'late';
      }
      answers.push({
        requestId: String(submission.requestId),
        id: prompt.id,
        value
      });
      pending = null;
      return 'answered';
    }
  );
  const backend = {
    id: 'fake',
    label: 'fake',
    capabilities: NBMODEL_CAPABILITIES,
    submit: jest.fn(),
    findInput,
    answerInput
  } as unknown as IExecutionBackend;
  return {
    backend,
    findInput,
    answerInput,
    answers,
    ask: (requestId: string, id: string, prompt = 'who? ', password = false) =>
      (pending = { requestId, prompt: { prompt, password, id } }),
    clear: () => (pending = null),
    fail: (error: Error | null) => (failing = error)
  };
}

function running(requestId: string, cellId = 'c1'): IRunningRequest {
  return { key: PATH, cellId, kernelId: KERNEL, requestId };
}

/** A watcher of the fake server's prompts, with short test intervals. */
function newWatcher(
  server: ReturnType<typeof fakeServer>,
  standby: IPromptWatcherOptions['standby'] = 'never'
): PromptWatcher {
  return new PromptWatcher({
    backend: () => server.backend,
    minMs: 100,
    maxMs: 1000,
    standby
  });
}

/** Let the poll's timers and the fake's promises run. */
async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
}

describe('PromptWatcher', () => {
  let watcher: PromptWatcher;

  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    watcher?.dispose();
    jest.useRealTimers();
  });

  function watch(server: ReturnType<typeof fakeServer>): PromptWatcher {
    watcher = newWatcher(server);
    return watcher;
  }

  it('polls only while a request runs, with the request id it was given', async () => {
    const server = fakeServer();
    watch(server);
    await advance(2000);
    expect(server.findInput).not.toHaveBeenCalled();

    // Another tab's run: the id comes from the cell mark, not a submission.
    watcher.setRunning([running('r1')]);
    await advance(150);
    expect(server.findInput).toHaveBeenCalledWith(KERNEL, { requestId: 'r1' });

    watcher.setRunning([]);
    const calls = server.findInput.mock.calls.length;
    await advance(5000);
    expect(server.findInput).toHaveBeenCalledTimes(calls);
  });

  it('shows a prompt found, in the cell of its request, until a read no longer finds it', async () => {
    const server = fakeServer();
    watch(server);
    const changes = jest.fn();
    watcher.changed.connect(changes);
    watcher.setRunning([running('r1', 'c7')]);
    await advance(150);
    expect(watcher.prompts).toEqual([]);

    server.ask('r1', 'p1', 'pw: ', true);
    await advance(1000);
    expect(watcher.prompt(PATH, 'c7')).toMatchObject({
      kernelId: KERNEL,
      requestId: 'r1',
      prompt: 'pw: ',
      password: true,
      id: 'p1'
    });
    expect(watcher.waiting(KERNEL)).toEqual(['r1']);
    expect(changes).toHaveBeenCalledTimes(1);

    // Another tab answered it: gone by the next read (at most maxMs).
    server.clear();
    await advance(1000);
    expect(watcher.prompt(PATH, 'c7')).toBeUndefined();
    expect(watcher.waiting(KERNEL)).toEqual([]);
    expect(changes).toHaveBeenCalledTimes(2);
  });

  it('drops the prompt at once when its request stops running (interrupt, restart, re-run)', async () => {
    const server = fakeServer();
    watch(server);
    watcher.setRunning([running('r1')]);
    server.ask('r1', 'p1');
    await advance(150);
    expect(watcher.prompts).toHaveLength(1);
    // The document shows the cell idle, or running another request.
    watcher.setRunning([running('r2')]);
    expect(watcher.prompts).toHaveLength(0);
  });

  it('never shows a prompt read before its run ended', async () => {
    const server = fakeServer();
    watch(server);
    let release: () => void = () => undefined;
    server.findInput.mockImplementationOnce(
      () =>
        new Promise(resolve => {
          release = () =>
            resolve({ prompt: 'who? ', password: false, id: 'p1' });
        })
    );
    watcher.setRunning([running('r1')]);
    await advance(150);
    watcher.setRunning([]);
    release();
    await advance(10);
    expect(watcher.prompts).toHaveLength(0);
  });

  it('answers once: the box goes at once, a read in flight does not bring it back, the next prompt shows', async () => {
    const server = fakeServer();
    watch(server);
    watcher.setRunning([running('r1')]);
    server.ask('r1', 'p1');
    await advance(150);
    const shown = watcher.prompts[0];

    const result = watcher.answer(shown, 'Ada');
    expect(watcher.prompts).toHaveLength(0);
    await expect(result).resolves.toBe('answered');
    expect(server.answers).toEqual([
      { requestId: 'r1', id: 'p1', value: 'Ada' }
    ]);
    // A read that still saw the answered prompt (the server had not yet
    // taken the answer) does not show it again.
    server.ask('r1', 'p1');
    await advance(150);
    expect(watcher.prompts).toHaveLength(0);
    // The run's next prompt is another one.
    server.ask('r1', 'p2', 'again? ');
    await advance(1000);
    expect(watcher.prompts.map(p => p.prompt)).toEqual(['again? ']);
  });

  it('says so when another tab answered first, and sends nothing twice', async () => {
    const server = fakeServer();
    watch(server);
    const late = jest.fn();
    watcher.late.connect((_, shown) => late(shown.requestId));
    watcher.setRunning([running('r1')]);
    server.ask('r1', 'p1');
    await advance(150);
    const shown = watcher.prompts[0];
    // Tab B's answer reached the server before ours.
    server.clear();
    await expect(watcher.answer(shown, 'late')).resolves.toBe('late');
    expect(late).toHaveBeenCalledWith('r1');
    expect(server.answers).toEqual([]);
    // Answering a prompt no longer shown sends nothing.
    await expect(watcher.answer(shown, 'again')).resolves.toBe('gone');
    expect(server.answerInput).toHaveBeenCalledTimes(1);
  });

  it('shows the prompt again when the answer could not be sent', async () => {
    const server = fakeServer();
    watch(server);
    watcher.setRunning([running('r1')]);
    server.ask('r1', 'p1');
    await advance(150);
    const shown = watcher.prompts[0];
    server.fail(new BackendError('unreachable', null, 'no answer'));
    await expect(watcher.answer(shown, 'Ada')).rejects.toThrow(BackendError);
    expect(watcher.prompts).toEqual([shown]);
    server.fail(null);
    await expect(watcher.answer(shown, 'Ada')).resolves.toBe('answered');
  });

  it('backs off while nothing changes, and after errors', async () => {
    const server = fakeServer();
    watch(server);
    watcher.setRunning([running('r1')]);
    await advance(5000);
    // 100, 150, 225, 338, 507, 761, 1000, 1000 ... rather than every 100 ms.
    const calls = server.findInput.mock.calls.length;
    expect(calls).toBeGreaterThan(4);
    expect(calls).toBeLessThan(12);
    server.fail(new BackendError('unreachable', null, 'down'));
    const before = server.findInput.mock.calls.length;
    await advance(5000);
    expect(server.findInput.mock.calls.length - before).toBeLessThan(8);
    expect(watcher.prompts).toEqual([]);
  });

  it('stands by while the page is hidden', async () => {
    const server = fakeServer();
    let hidden = true;
    watcher = newWatcher(server, () => hidden);
    watcher.setRunning([running('r1')]);
    server.ask('r1', 'p1');
    await advance(3000);
    expect(server.findInput).not.toHaveBeenCalled();
    hidden = false;
    await advance(1000);
    expect(server.findInput).toHaveBeenCalled();
    expect(watcher.prompts).toHaveLength(1);
  });

  it('asks nothing of a backend that cannot answer prompts', async () => {
    const server = fakeServer();
    (server.backend as any).capabilities = {
      ...NBMODEL_CAPABILITIES,
      input: 'none'
    };
    watch(server);
    watcher.setRunning([running('r1')]);
    await advance(3000);
    expect(server.findInput).not.toHaveBeenCalled();
  });
});

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
