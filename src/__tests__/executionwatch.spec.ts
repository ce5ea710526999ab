import { YNotebook } from '@jupyter/ydoc';
import type { INbmodelSubmission as ISubmission } from '../backend/nbmodel';
import {
  outcomeFromDocument,
  showsRunEnd as isCompleteInDocument
} from '../execution/completion';
import { ExecutionWatch } from '../execution/executionwatch';
import { ListingPoller } from '../server/poller';
import {
  codeCell,
  FakeServer,
  quietYjsWarnings,
  sleep,
  track,
  until,
  submitLikeExecutor
} from './fakes';

quietYjsWarnings();

describe('ExecutionWatch', () => {
  let doc: YNotebook;
  let server: FakeServer;
  let monitor: ListingPoller;

  beforeEach(() => {
    doc = new YNotebook();
    doc.insertCells(0, [
      { cell_type: 'code', id: 'c0', source: 'a = 0' },
      { cell_type: 'code', id: 'c1', source: 'print(1)' },
      { cell_type: 'code', id: 'c2', source: 'b = 2' }
    ]);
    server = new FakeServer(doc);
    monitor = new ListingPoller({
      backend: () => server,
      minMs: 10,
      maxMs: 20,
      standby: 'never'
    });
  });

  afterEach(() => {
    monitor.dispose();
    doc.dispose();
  });

  /** Submit cell c1 as the executor does: `[*]` first, then the POST. */
  function submit(cellId = 'c1'): Promise<ISubmission> {
    return submitLikeExecutor(doc, server, cellId);
  }

  function watch(
    submission: ISubmission,
    extra: Partial<ConstructorParameters<typeof ExecutionWatch>[0]> = {}
  ) {
    const w = new ExecutionWatch({
      backend: server,
      poller: monitor,
      kernelId: 'k1',
      notebook: doc,
      cellId: 'c1',
      ...extra
    });
    w.accepted(submission);
    return w;
  }

  it('reads the running request now and then to learn of a stdin prompt the listing never reports', async () => {
    const submission = await submit();
    const request = server.requestFor('c1');
    // As nbmodel: the listing says running while the request waits for stdin.
    server.listInFlight.mockImplementation(async () => [
      {
        requestId: submission.requestId,
        kernelId: 'k1',
        cellId: 'c1',
        documentPath: 'nb.ipynb',
        status: 'running'
      }
    ]);
    server.start(submission.requestId);
    request.status = 'input';
    const statuses: string[] = [];
    const w = watch(submission, {
      inputProbeMs: 20,
      onStatus: s => statuses.push(s)
    });
    await until(() => statuses.includes('input'));
    // Listings keep saying running meanwhile: the prompt stands until the
    // next read of the request says otherwise.
    const atPrompt = statuses.length;
    await sleep(15);
    expect(statuses.slice(atPrompt).filter(s => s === 'running')).toEqual([]);
    request.status = 'running';
    const since = statuses.length;
    await until(() => statuses.slice(since).includes('running'));
    w.stop('test over');
    const checks = server.check.mock.calls.length;
    await sleep(100);
    // No reads after the watch ended.
    expect(server.check.mock.calls.length).toBe(checks);
  });

  it('does not read the request while nothing says it runs, or when told not to', async () => {
    const submission = await submit();
    const w = watch(submission, { inputProbeMs: 0 });
    server.listInFlight.mockImplementation(async () => [
      {
        requestId: submission.requestId,
        kernelId: 'k1',
        cellId: 'c1',
        documentPath: 'nb.ipynb',
        status: 'running'
      }
    ]);
    await sleep(150);
    expect(server.check).not.toHaveBeenCalled();
    w.stop('test over');
  });

  it('completes from the document alone', async () => {
    const submission = await submit();
    // The listing keeps saying "running": only the document can tell.
    server.listInFlight.mockImplementation(async () => [
      {
        requestId: submission.requestId,
        kernelId: 'k1',
        cellId: 'c1',
        documentPath: 'nb.ipynb',
        status: 'running'
      }
    ]);
    const statuses: string[] = [];
    const w = watch(submission, { onStatus: s => statuses.push(s) });
    const done = track(w.done);

    server.start(submission.requestId);
    server.output(submission.requestId, {
      output_type: 'stream',
      name: 'stdout',
      text: '1\n'
    });
    await until(() => server.listInFlight.mock.calls.length >= 3, 'polls');
    expect(done.state).toBe('pending');
    expect(server.check).not.toHaveBeenCalled();
    expect(statuses).toContain('running');

    const count = server.finish(submission.requestId);
    await until(() => done.state !== 'pending', 'the watch to end');
    expect(done.value).toEqual({
      kind: 'reply',
      status: 'ok',
      executionCount: count,
      outputs: [{ output_type: 'stream', name: 'stdout', text: '1\n' }]
    });
    expect(server.check).toHaveBeenCalledTimes(1);
  });

  it('completes from the listing alone, reading the result once', async () => {
    const submission = await submit();
    // A slow result read, so several polls say "gone" while it is pending.
    const check = server.check.getMockImplementation()!;
    server.check.mockImplementation(async (...args) => {
      await sleep(60);
      return check(...args);
    });
    const w = watch(submission);
    const done = track(w.done);

    server.start(submission.requestId);
    server.output(submission.requestId, {
      output_type: 'stream',
      name: 'stdout',
      text: 'x\n'
    });
    // The document never hears the end (a missed update).
    const count = server.finish(submission.requestId, 'ok', {
      writeDocument: false
    });
    expect(isCompleteInDocument(codeCell(doc, 'c1'))).toBe(false);
    const listed = server.listInFlight.mock.calls.length;

    await until(() => done.state !== 'pending', 'the watch to end');
    expect(server.listInFlight.mock.calls.length).toBeGreaterThan(listed + 1);
    expect(done.value).toEqual({
      kind: 'reply',
      status: 'ok',
      executionCount: count,
      outputs: [{ output_type: 'stream', name: 'stdout', text: 'x\n' }]
    });
    expect(server.check).toHaveBeenCalledTimes(1);

    // Finished watches stop the polling.
    const after = server.listInFlight.mock.calls.length;
    await sleep(60);
    expect(server.listInFlight.mock.calls.length).toBe(after);
  });

  it('infers the outcome from the document when another client took the result (404)', async () => {
    const submission = await submit();
    const w = watch(submission);
    const done = track(w.done);

    server.start(submission.requestId);
    const error = {
      output_type: 'error',
      ename: 'ValueError',
      evalue: 'bad',
      traceback: ['Traceback', 'ValueError: bad']
    };
    server.output(submission.requestId, error);
    // Another tab reads the result first: nbmodel then answers 404.
    const request = server.requests.get(submission.requestId)!;
    request.read = true;
    const count = server.finish(submission.requestId, 'error');

    await until(() => done.state !== 'pending', 'the watch to end');
    expect(done.value).toEqual({
      kind: 'reply',
      status: 'error',
      executionCount: count,
      outputs: [error]
    });
  });

  it('waits for the document when the result is gone before the document is complete', async () => {
    const submission = await submit();
    const w = watch(submission, { documentGraceMs: 2000 });
    const done = track(w.done);

    server.start(submission.requestId);
    const request = server.requests.get(submission.requestId)!;
    request.read = true;
    // The listing drops the request first; the document follows later.
    const count = server.finish(submission.requestId, 'ok', {
      writeDocument: false
    });
    await until(() => server.check.mock.calls.length > 0, 'a check');
    await sleep(150);
    expect(done.state).toBe('pending');

    const cell = codeCell(doc, 'c1');
    doc.transact(() => {
      cell.execution_count = count;
      cell.executionState = 'idle';
    });
    await until(() => done.state !== 'pending', 'the watch to end');
    expect(done.value).toEqual({
      kind: 'reply',
      status: 'ok',
      executionCount: count,
      outputs: []
    });
  });

  it('ends as consumed when neither the server nor the document can tell', async () => {
    const submission = await submit();
    const w = watch(submission, { documentGraceMs: 50 });
    const done = track(w.done);
    server.requests.get(submission.requestId)!.read = true;
    server.finish(submission.requestId, 'ok', { writeDocument: false });
    await until(() => done.state !== 'pending', 'the watch to end');
    expect(done.value).toEqual({ kind: 'consumed' });
  });

  it('ends with cell-deleted when the cell is deleted', async () => {
    const submission = await submit();
    const w = watch(submission);
    const done = track(w.done);
    server.start(submission.requestId);
    await sleep(20);
    expect(done.state).toBe('pending');

    // Deleting another cell is not the end.
    doc.deleteCell(0);
    await sleep(20);
    expect(done.state).toBe('pending');

    doc.deleteCell(doc.cells.findIndex(c => c.getId() === 'c1'));
    await until(() => done.state !== 'pending', 'the watch to end');
    expect(done.value).toEqual({ kind: 'cell-deleted' });
  });

  it('still completes when the cell is moved while it runs', async () => {
    const submission = await submit();
    server.listInFlight.mockImplementation(async () => [
      {
        requestId: submission.requestId,
        kernelId: 'k1',
        cellId: 'c1',
        documentPath: 'nb.ipynb',
        status: 'running'
      }
    ]);
    const w = watch(submission);
    const done = track(w.done);
    server.start(submission.requestId);

    const before = codeCell(doc, 'c1');
    doc.moveCell(1, 2);
    const after = codeCell(doc, 'c1');
    expect(after).not.toBe(before);
    expect(doc.cells.map(c => c.getId())).toEqual(['c0', 'c2', 'c1']);
    await sleep(30);
    expect(done.state).toBe('pending');

    // The server finds the cell again by id and writes the end there.
    const count = server.finish(submission.requestId);
    await until(() => done.state !== 'pending', 'the watch to end');
    expect(done.value).toMatchObject({
      kind: 'reply',
      status: 'ok',
      executionCount: count
    });
  });

  it('ends as stopped when asked to', async () => {
    const submission = await submit();
    const w = watch(submission);
    w.stop('restarting');
    await expect(w.done).resolves.toEqual({
      kind: 'stopped',
      reason: 'restarting'
    });
    // And a later end does not change the outcome.
    server.run(submission.requestId);
    await expect(w.done).resolves.toEqual({
      kind: 'stopped',
      reason: 'restarting'
    });
  });

  it('settles at once when the run ended before the server answered the POST', async () => {
    server.listInFlight.mockImplementation(() => new Promise(() => undefined));
    // The executor watches from before the POST.
    const w = new ExecutionWatch({
      backend: server,
      poller: monitor,
      kernelId: 'k1',
      notebook: doc,
      cellId: 'c1'
    });
    const submission = await submit();
    const count = server.run(submission.requestId);
    w.accepted(submission);
    await expect(w.done).resolves.toMatchObject({
      kind: 'reply',
      executionCount: count
    });
  });

  it('keeps watching while the server cannot be reached and the document is not done', async () => {
    const submission = await submit();
    server.check.mockRejectedValue(new Error('offline'));
    const w = watch(submission);
    const done = track(w.done);
    server.start(submission.requestId);
    server.finish(submission.requestId, 'ok', { writeDocument: false });
    await until(() => server.check.mock.calls.length >= 2, 'checks');
    expect(done.state).toBe('pending');

    // Then the document catches up: its outcome is used.
    const cell = codeCell(doc, 'c1');
    doc.transact(() => {
      cell.execution_count = 5;
      cell.executionState = 'idle';
    });
    await until(() => done.state !== 'pending', 'the watch to end');
    expect(done.value).toEqual({
      kind: 'reply',
      status: 'ok',
      executionCount: 5,
      outputs: []
    });
  });
});

describe('isCompleteInDocument / outcomeFromDocument', () => {
  it('needs idle and a count on a code cell', () => {
    const doc = new YNotebook();
    doc.insertCells(0, [
      { cell_type: 'code', id: 'c', source: '' },
      { cell_type: 'markdown', id: 'm', source: '' }
    ]);
    const cell = codeCell(doc, 'c');
    expect(isCompleteInDocument(undefined)).toBe(false);
    expect(isCompleteInDocument(doc.cells[1])).toBe(false);
    expect(isCompleteInDocument(cell)).toBe(false);
    cell.execution_count = 3;
    expect(isCompleteInDocument(cell)).toBe(true);
    cell.executionState = 'running';
    expect(isCompleteInDocument(cell)).toBe(false);
    cell.executionState = 'idle';
    cell.updateOutputs(0, 0, [
      { output_type: 'error', ename: 'E', evalue: 'v', traceback: [] }
    ]);
    expect(outcomeFromDocument(cell)).toEqual({
      kind: 'reply',
      status: 'error',
      executionCount: 3,
      outputs: [
        { output_type: 'error', ename: 'E', evalue: 'v', traceback: [] }
      ]
    });
    doc.dispose();
  });
});
