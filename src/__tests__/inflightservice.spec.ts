/**
 * The in-flight service (it was the body of a plugin, reached by no unit
 * test): a notebook panel followed with a fake tracker and session, the
 * registry's decision, reconnects, stale clearing and submissions.
 */
import { Signal } from '@lumino/signaling';
import type { INotebookTracker } from '@jupyterlab/notebook';
import { InFlightService } from '../inflight/service';
import { ListingPoller } from '../server/poller';
import type {
  BackendDecision,
  IExecutionBackendRegistry,
  ISubmissionEvent
} from '../tokens';
import {
  codeCell,
  FakeServer,
  markRunning,
  notebookWithCells,
  quietYjsWarnings,
  until
} from './fakes';

quietYjsWarnings();

function setup(options: { pollOnlyOnceDecided?: boolean } = {}) {
  const doc = notebookWithCells(['a', 'b']);
  const server = new FakeServer(doc);
  const decided = new Signal<IExecutionBackendRegistry, BackendDecision>(
    {} as any
  );
  let current: BackendDecision | null = null;
  const backends = {
    get decision(): BackendDecision | null {
      return current;
    },
    set decision(value: BackendDecision | null) {
      current = value;
    },
    decided,
    // Deciding takes a probe: the decision comes a moment later.
    decide: jest.fn(async (): Promise<BackendDecision> => {
      if (options.pollOnlyOnceDecided) {
        await Promise.resolve();
        current = { kind: 'backend', backend: server };
      }
      return current!;
    }),
    reset: jest.fn(() => {
      current = null;
    }),
    register: jest.fn()
  };
  // As in the plugin, the poller may only know the backend once decided;
  // with a minute between reads, only an immediate read is seen.
  const poller = options.pollOnlyOnceDecided
    ? new ListingPoller({
        backend: () =>
          current?.kind === 'backend' ? (current.backend as any) : null,
        minMs: 60000,
        maxMs: 60000,
        standby: 'never'
      })
    : new ListingPoller({
        backend: () => server,
        minMs: 10,
        maxMs: 20,
        standby: 'never'
      });
  const kernel = {
    id: 'k1',
    clientId: 'tab-session',
    status: 'idle',
    connectionStatus: 'connected',
    iopubMessage: new Signal<any, any>({}),
    connectionStatusChanged: new Signal<any, string>({}),
    statusChanged: new Signal<any, string>({})
  };
  const session = {
    session: { kernel },
    kernelChanged: new Signal<any, any>({}),
    statusChanged: new Signal<any, string>({}),
    connectionStatusChanged: new Signal<any, string>({}),
    ready: Promise.resolve(),
    kernelDisplayName: 'Python 3'
  };
  const model = { sharedModel: doc };
  const panel = {
    id: 'panel-1',
    isDisposed: false,
    model,
    context: {
      ready: Promise.resolve(),
      path: 'RTC:nb.ipynb',
      localPath: 'nb.ipynb',
      model,
      pathChanged: new Signal<any, string>({})
    },
    sessionContext: session,
    disposed: new Signal<any, void>({})
  };
  const tracker = {
    widgetAdded: new Signal<any, any>({}),
    currentWidget: panel,
    forEach: (fn: (p: any) => void) => fn(panel),
    find: (fn: (p: any) => boolean) => (fn(panel) ? panel : undefined)
  } as unknown as INotebookTracker;
  const submissions = new Signal<any, ISubmissionEvent>({});
  const service = new InFlightService({
    service: { submissions },
    backends: backends as unknown as IExecutionBackendRegistry,
    poller,
    tracker,
    commands: { commandExecuted: new Signal<any, any>({}) } as any,
    activate: () => undefined,
    readKernelState: async () => 'idle'
  });
  const decide = (decision: BackendDecision) => {
    backends.decision = decision;
    decided.emit(decision);
  };
  return {
    doc,
    kernel,
    server,
    backends,
    poller,
    panel,
    session,
    submissions,
    service,
    decide,
    dispose: () => {
      poller.dispose();
      service.model.dispose();
    }
  };
}

/** An iopub message of another client's execute request. */
function iopub(type: 'status' | 'execute_input', content: object) {
  return {
    header: { msg_type: type },
    parent_header: {
      msg_id: 'other-request',
      session: 'jpterm-session',
      msg_type: 'execute_request'
    },
    content
  };
}

describe('InFlightService', () => {
  it('shows a run of another client on the kernel on its cell, found by its code, and our run waiting behind it as queued', async () => {
    const t = setup();
    t.decide({ kind: 'backend', backend: t.server });
    await until(() => t.service.keyOf(t.panel as any) !== null, 'followed');
    const view = t.service.withForeign;
    t.kernel.iopubMessage.emit(iopub('status', { execution_state: 'busy' }));
    t.kernel.iopubMessage.emit(iopub('execute_input', { code: 'print("a")' }));
    expect(view.foreignRuns('RTC:nb.ipynb')).toEqual([
      expect.objectContaining({
        kernelId: 'k1',
        cell: { key: 'RTC:nb.ipynb', cellId: 'a' }
      })
    ]);
    expect(view.entry('RTC:nb.ipynb', 'a')).toMatchObject({
      state: 'running',
      foreign: true
    });
    expect(view.counts('RTC:nb.ipynb').running).toBe(0);

    // The server hands our cell to the kernel (its mark): running for the
    // model, queued behind the other client's run for the views.
    markRunning(t.doc, 'b');
    const submission = await t.server.submit({
      kernelId: 'k1',
      code: 'print("b")',
      cellId: 'b',
      documentId: 'd',
      documentPath: null,
      recordTiming: false
    });
    t.server.start(submission.requestId);
    await until(
      () => t.service.model.entry('RTC:nb.ipynb', 'b')?.state === 'running',
      'the server mark'
    );
    expect(view.entry('RTC:nb.ipynb', 'b')).toMatchObject({
      state: 'queued',
      foreign: false
    });

    t.kernel.iopubMessage.emit(iopub('status', { execution_state: 'idle' }));
    expect(view.foreignRuns()).toEqual([]);
    expect(view.entry('RTC:nb.ipynb', 'b')?.state).toBe('running');
    t.dispose();
  });

  it("follows an open notebook, and reads the backend's marks once it is decided", async () => {
    const t = setup();
    await until(() => t.service.keyOf(t.panel as any) !== null, 'followed');
    expect(t.service.support).toEqual({ kind: 'checking' });
    // The server starts a request: without a backend, its mark means nothing.
    markRunning(t.doc, 'a');
    const submission = await t.server.submit({
      kernelId: 'k1',
      code: 'x',
      cellId: 'a',
      documentId: 'd',
      documentPath: null,
      recordTiming: false
    });
    t.server.start(submission.requestId);
    expect(t.service.model.entry('RTC:nb.ipynb', 'a')?.requestId).toBeNull();

    t.decide({ kind: 'backend', backend: t.server });
    expect(t.service.support).toEqual({
      kind: 'backend',
      label: 'fake nbmodel'
    });
    expect(t.service.model.entry('RTC:nb.ipynb', 'a')).toMatchObject({
      state: 'running',
      requestId: submission.requestId
    });
    t.dispose();
  });

  it('reads the listing as soon as the backend is decided for a notebook that opens', async () => {
    const t = setup({ pollOnlyOnceDecided: true });
    const listed = t.server.listInFlight;
    await until(() => listed.mock.calls.length > 0);
    expect(listed).toHaveBeenCalledWith('k1');
    t.dispose();
  });

  it("drops another client's queued cells the server dropped without a word in the document", async () => {
    // Another browser ran both cells and interrupted; this tab's first read
    // came before the server emptied its queue, and nothing it could see in
    // the document changes after that.
    const t = setup();
    await until(() => t.service.keyOf(t.panel as any) !== null, 'followed');
    const ids: string[] = [];
    for (const cellId of ['a', 'b']) {
      const submission = await t.server.submit({
        kernelId: 'k1',
        code: 'x',
        cellId,
        documentId: 'd',
        documentPath: null,
        recordTiming: false
      });
      ids.push(submission.requestId);
    }
    t.decide({ kind: 'backend', backend: t.server });
    await until(
      () => t.service.model.counts('RTC:nb.ipynb').queued === 2,
      'both queued'
    );
    for (const id of ids) {
      t.server.cancel(id, 'cancelled', 'Execution cancelled.');
    }
    await until(
      () => t.service.model.counts('RTC:nb.ipynb').queued === 0,
      'the listing read again'
    );
    t.dispose();
  });

  it('says a server is not supported, and never polls it', async () => {
    const t = setup();
    await until(() => t.service.keyOf(t.panel as any) !== null, 'followed');
    const changes: string[] = [];
    t.service.supportChanged.connect((_, s) => changes.push(s.kind));
    t.decide({
      kind: 'unsupported',
      id: 'jupyter-server-documents',
      label: 'jupyter-server-documents'
    });
    expect(changes).toEqual(['unsupported']);
    t.dispose();
  });

  it('decides again after a reconnect (the server may have restarted)', async () => {
    const t = setup();
    t.decide({ kind: 'backend', backend: t.server });
    await until(() => t.service.keyOf(t.panel as any) !== null, 'followed');
    const reconnected: unknown[] = [];
    t.service.reconnected.connect((_, p) => reconnected.push(p));
    t.session.connectionStatusChanged.emit('connecting');
    t.session.connectionStatusChanged.emit('connected');
    expect(t.backends.reset).toHaveBeenCalledTimes(1);
    expect(t.backends.decide).toHaveBeenCalled();
    expect(reconnected).toEqual([t.panel]);
    t.dispose();
  });

  it("clears a stale cell in the document, and the backend's mark with it", async () => {
    const t = setup();
    t.decide({ kind: 'backend', backend: t.server });
    await until(() => t.service.keyOf(t.panel as any) !== null, 'followed');
    const cell = codeCell(t.doc, 'b');
    t.doc.transact(() => {
      cell.executionState = 'running';
      cell.setMetadata('jupyter_server_nbmodel', {
        requestId: 'gone',
        kernelId: 'k9'
      });
    });
    // The kernel died: nothing will end it.
    t.session.statusChanged.emit('dead');
    await until(
      () => t.service.model.entry('RTC:nb.ipynb', 'b')?.state === 'stale',
      'stale'
    );
    expect(t.service.clearStale()).toBe(1);
    expect(cell.executionState).toBe('idle');
    expect(cell.getMetadata('jupyter_server_nbmodel')).toBeUndefined();
    t.dispose();
  });

  it("maps this tab's submissions to the notebook's key", async () => {
    const t = setup();
    t.decide({ kind: 'backend', backend: t.server });
    await until(() => t.service.keyOf(t.panel as any) !== null, 'followed');
    t.submissions.emit({
      notebook: t.panel.model as any,
      cellId: 'a',
      kernelId: 'k1',
      requestId: 'r1',
      phase: 'accepted'
    });
    expect(t.service.model.entry('RTC:nb.ipynb', 'a')).toMatchObject({
      state: 'queued',
      ours: true,
      source: 'submission'
    });
    t.dispose();
  });
});
