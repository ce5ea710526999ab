/**
 * The notebook cell executor: runs code cells on the server when it can,
 * and in the tab (JupyterLab's own `runCell`) when it cannot.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import type { CodeCell, ICodeCellModel } from '@jupyterlab/cells';
import type { KernelMessage } from '@jupyterlab/services';
import {
  KernelError,
  runCell as stockRunCell,
  type INotebookCellExecutor,
  type INotebookModel
} from '@jupyterlab/notebook';
import {
  nullTranslator,
  type ITranslator,
  type TranslationBundle
} from '@jupyterlab/translation';
import type { ISharedNotebook } from '@jupyter/ydoc';
import { BackendError } from './backend/types';
import { waitForDocumentId } from './documentid';
import { chooseExecutionPath, type ExecutionPath } from './executionpath';
import { ExecutionWatch, type WatchOutcome } from './executionwatch';
import {
  reconcileWhenSettled,
  type ReconcileAction
} from './reconcile/divergence';
import type { ListingPoller } from './server/poller';
import type { IHandoffSettings } from './settings';
import { SubmissionQueue } from './submissionqueue';
import { Timings } from './timings';
import type {
  ClientPathReason,
  ExecutionOutcome,
  IExecutionBackend,
  IExecutionBackendRegistry,
  ISubmission,
  ISubmissionEvent
} from './tokens';

type RunCellOptions = INotebookCellExecutor.IRunCellOptions;
type SessionContext = NonNullable<RunCellOptions['sessionContext']>;

export interface IHandoffExecutorOptions {
  /** Which backend the server speaks. */
  backends: Pick<IExecutionBackendRegistry, 'decide'>;
  /** The per-kernel listing poller. */
  poller: ListingPoller;
  settings: {
    readonly ready: Promise<void>;
    readonly current: Readonly<IHandoffSettings>;
  };
  /** A cell runs in the tab although server-side execution is on, or is off. */
  onFallback?: (
    notebook: INotebookModel,
    reason: ClientPathReason,
    path: string,
    hint: string | null
  ) => void;
  /** A submission of this tab changed phase. */
  onSubmission?: (event: ISubmissionEvent) => void;
  translator?: ITranslator;
  /** JupyterLab's own executor, used for the client path. */
  clientRunCell?: (options: RunCellOptions) => Promise<boolean>;
  /** How long to wait for the shared document id after opening (ms). */
  documentIdTimeoutMs?: number;
  /**
   * The outputs of a finished run differed from the backend's final result;
   * `action` says what was done (see `reconcileCell`).
   */
  onDivergence?: (event: {
    notebook: INotebookModel;
    cellId: string;
    action: ReconcileAction;
  }) => void;
  /** How long a finished run's cell may take to show its end (ms). */
  reconcileGraceMs?: number;
  /**
   * Whether another notebook uses this kernel (default: assume so). Only
   * then is the notebook's path sent along with its document id: the
   * listing needs it to tell apart copies of a notebook that share cell ids,
   * and otherwise the server would look the document up a second time, by
   * path, for every cell.
   */
  kernelShared?: (kernelId: string, path: string) => boolean;
}

/**
 * Runs cells through a server-side execution backend.
 */
export class HandoffExecutor implements INotebookCellExecutor {
  constructor(options: IHandoffExecutorOptions) {
    this._options = options;
    const translator = options.translator ?? nullTranslator;
    this._trans = translator.load('jupyterlab_handoff');
    // The kernel guard dialogs are JupyterLab's own words: keep its
    // translations of them.
    this._stockTrans = translator.load('jupyterlab');
    this._clientRunCell = options.clientRunCell ?? stockRunCell;
  }

  async runCell(options: RunCellOptions): Promise<boolean> {
    const { cell, notebook, sessionContext } = options;
    if (cell.model.type !== 'code' || !sessionContext) {
      return this._clientRunCell(options);
    }
    // Take the place in the queue before anything asynchronous, so the
    // order of the POSTs is the order of the cells.
    const ticket = this._queue.schedule(notebook);
    const waiting = this._waiting.get(notebook) ?? new Set<RunCellOptions>();
    this._waiting.set(notebook, waiting);
    waiting.add(options);
    let onServer = false;
    try {
      await ticket.turn;
      await this._options.settings.ready;
      if (ticket.aborted) {
        ticket.release();
        return this._abortQueued(options);
      }
      if (
        !this._options.settings.current.serverSideExecution ||
        !notebook.collaborative
      ) {
        ticket.release();
        return this._runInTab(
          options,
          this._options.settings.current.serverSideExecution
            ? 'not-collaborative'
            : 'disabled'
        );
      }
      const kernelReady = await this._checkKernel(options, sessionContext);
      if (kernelReady !== 'ready') {
        ticket.release();
        return kernelReady === 'no-kernel';
      }
      const kernelId = sessionContext.session!.kernel!.id;
      const path = await this._choosePath(options, kernelId);
      if (path.path === 'client') {
        ticket.release();
        return this._runInTab(options, path.reason);
      }
      onServer = true;
      return await this._runOnServer(
        options,
        sessionContext,
        kernelId,
        path,
        ticket
      );
    } finally {
      waiting.delete(options);
      if (!onServer) {
        this._unmark(cell.model as ICodeCellModel);
      }
      ticket.release();
    }
  }

  private async _runInTab(
    options: RunCellOptions,
    reason: ClientPathReason
  ): Promise<boolean> {
    // JupyterLab's executor marks the cell itself.
    this._unmark(options.cell.model as ICodeCellModel);
    this._options.onFallback?.(
      options.notebook,
      reason,
      options.sessionContext?.path ?? '',
      reason === 'no-backend' ? this._installHint : null
    );
    return this._clientRunCell(options);
  }

  private async _choosePath(
    options: RunCellOptions,
    kernelId: string
  ): Promise<ExecutionPath> {
    return chooseExecutionPath({
      enabled: this._options.settings.current.serverSideExecution,
      collaborative: !!options.notebook.collaborative,
      backend: () => this._backend(kernelId),
      documentId: async () => {
        // Wait once per notebook; after a timeout, later cells only look.
        const notebook = options.notebook;
        const id = await waitForDocumentId(
          notebook.sharedModel,
          this._noDocumentId.has(notebook)
            ? 0
            : (this._options.documentIdTimeoutMs ?? Timings.documentId)
        );
        if (id === null) {
          this._noDocumentId.add(notebook);
        }
        return id;
      }
    });
  }

  private async _backend(
    kernelId: string
  ): Promise<IExecutionBackend | ClientPathReason> {
    try {
      const decision = await this._options.backends.decide(kernelId);
      switch (decision.kind) {
        case 'backend':
          return decision.backend;
        case 'unsupported':
          return 'unsupported-backend';
        case 'unknown':
          return 'unknown-backend';
        case 'none':
          this._installHint = decision.installHint;
          return 'no-backend';
      }
    } catch (reason) {
      // Unreachable now: the registry asks again; this cell runs here.
      console.warn(
        '@jupyterlab-handoff/extension: could not probe the server',
        reason
      );
      return 'server-unreachable';
    }
  }

  /**
   * JupyterLab's guards before running code: a terminating session, pending
   * input, no kernel.
   */
  private async _checkKernel(
    options: RunCellOptions,
    sessionContext: SessionContext
  ): Promise<'ready' | 'blocked' | 'no-kernel'> {
    const trans = this._stockTrans;
    if (sessionContext.isTerminating) {
      await showDialog({
        title: trans.__('Kernel Terminating'),
        body: trans.__(
          'The kernel for %1 appears to be terminating. You can not run any cell for now.',
          sessionContext.session?.path
        ),
        buttons: [Dialog.okButton()]
      });
      return 'blocked';
    }
    if (sessionContext.pendingInput) {
      await showDialog({
        title: trans.__('Cell not executed due to pending input'),
        body: trans.__(
          'The cell has not been executed to avoid kernel deadlock as there is another pending input! Type your input in the input box, press Enter and try again.'
        ),
        buttons: [Dialog.okButton()]
      });
      return 'blocked';
    }
    if (sessionContext.hasNoKernel) {
      const shouldSelect = await sessionContext.startKernel();
      if (shouldSelect && options.sessionDialogs) {
        await options.sessionDialogs.selectKernel(sessionContext);
      }
    }
    if (sessionContext.hasNoKernel || !sessionContext.session?.kernel) {
      options.cell.model.sharedModel.transact(() => {
        (options.cell.model as ICodeCellModel).clearExecution();
      });
      return 'no-kernel';
    }
    return 'ready';
  }

  private async _runOnServer(
    options: RunCellOptions,
    sessionContext: SessionContext,
    kernelId: string,
    path: Extract<ExecutionPath, { path: 'server' }>,
    ticket: { release(): void }
  ): Promise<boolean> {
    const { cell, notebook, notebookConfig } = options;
    const { backend, documentId } = path;
    const model = cell.model as ICodeCellModel;
    const code = model.sharedModel.getSource();
    const cellId = model.sharedModel.getId();

    if (!code.trim()) {
      // As in JupyterLab: an empty cell is cleared, not executed.
      model.sharedModel.transact(() => model.clearExecution(), false);
      options.onCellExecuted({ cell, success: true });
      return true;
    }

    notebook.deletedCells.splice(0, notebook.deletedCells.length);
    options.onCellExecutionScheduled({ cell });
    const premarked = this._premarked.delete(model);
    if (
      !premarked ||
      model.executionState !== 'running' ||
      model.executionCount !== null
    ) {
      this._markQueued(options);
    }

    const event = {
      notebook,
      cellId,
      kernelId,
      requestId: null as string | null
    };
    this._options.onSubmission?.({ ...event, phase: 'submitting' });

    // Watch the document from before the POST: the end of a short run can
    // arrive before the server's answer does.
    let lastStatus: string | null = null;
    const watch = new ExecutionWatch({
      backend,
      poller: this._options.poller,
      kernelId,
      notebook: notebook.sharedModel as ISharedNotebook,
      cellId,
      onStatus: status => {
        if (status !== 'gone' && status !== lastStatus) {
          lastStatus = status;
          this._options.onSubmission?.({ ...event, phase: 'accepted', status });
        }
      }
    });
    // With the queue in the tab, the next cell waits until this one is over.
    const tabQueue = backend.capabilities.queue === 'tab';
    let submission: ISubmission;
    try {
      submission = await backend.submit({
        kernelId,
        code,
        cellId,
        documentId,
        documentPath:
          (this._options.kernelShared?.(kernelId, sessionContext.path) ?? true)
            ? sessionContext.path
            : null,
        recordTiming: !!notebookConfig.recordTiming
      });
    } catch (reason) {
      watch.dispose();
      ticket.release();
      return this._fail(options, this._describeBackendError(reason), event);
    }
    if (!tabQueue) {
      ticket.release();
    }
    event.requestId = submission.requestId;
    this._options.onSubmission?.({ ...event, phase: 'accepted' });
    watch.accepted(submission);

    const release = this._followLifecycle(sessionContext, watch);
    let outcome: WatchOutcome;
    try {
      outcome = await watch.done;
    } finally {
      release();
    }
    // Conclude before the next cell of a tab-fed queue may go: a failure
    // must stop it first.
    return this._conclude(options, outcome, event);
  }

  /**
   * Turn how the execution ended into JupyterLab's executor contract.
   */
  private _conclude(
    options: RunCellOptions,
    outcome: WatchOutcome,
    event: Omit<ISubmissionEvent, 'phase'>
  ): boolean {
    const { cell } = options;
    const finished = (success: boolean) =>
      this._options.onSubmission?.({ ...event, phase: 'finished', success });
    switch (outcome.kind) {
      case 'reply': {
        void this._reconcile(options, outcome, event.cellId);
        if (outcome.status === 'ok') {
          finished(true);
          options.onCellExecuted({ cell, success: true });
          return true;
        }
        finished(false);
        const error = new KernelError(replyContent(outcome));
        this._stopQueueAfterError(options);
        options.onCellExecuted({ cell, success: false, error });
        throw error;
      }
      case 'cancelled':
        finished(false);
        if (outcome.reason === 'superseded') {
          // A newer run of the same cell replaced this one; it owns the cell.
          return false;
        }
        return this._abortQueued(options);
      case 'failed':
        return this._fail(
          options,
          this._trans.__(
            'The server could not run this cell: %1',
            outcome.message
          ),
          event
        );
      case 'consumed':
        return this._fail(
          options,
          this._trans.__(
            'The server no longer knows this execution (it may have restarted). Its outputs so far are kept.'
          ),
          event
        );
      case 'cell-deleted':
        finished(false);
        return false;
      case 'stopped': {
        finished(false);
        // The kernel restarted, died or was replaced: the server run died with
        // it and nobody else will end the `[*]`. A closed notebook is
        // different: the run goes on, so the cell is left alone.
        const model = cell.model as ICodeCellModel;
        if (
          outcome.reason !== 'closed' &&
          !model.isDisposed &&
          model.executionState === 'running'
        ) {
          model.executionState = 'idle';
        }
        return false;
      }
    }
  }

  /**
   * Compare the cell with the backend's final result once it shows the end
   * of the run; repair an idle cell, report a live one.
   */
  private async _reconcile(
    options: RunCellOptions,
    outcome: Extract<ExecutionOutcome, { kind: 'reply' }>,
    cellId: string
  ): Promise<void> {
    const model = options.cell.model as ICodeCellModel;
    let action: ReconcileAction;
    try {
      action = await reconcileWhenSettled(
        model,
        { executionCount: outcome.executionCount, outputs: outcome.outputs },
        this._options.reconcileGraceMs
      );
    } catch (reason) {
      console.warn(
        '@jupyterlab-handoff/extension: could not compare outputs',
        reason
      );
      return;
    }
    if (action === 'equal' || action === 'superseded') {
      return;
    }
    this._options.onDivergence?.({
      notebook: options.notebook,
      cellId,
      action
    });
    if (action === 'live') {
      Notification.warning(
        this._trans.__(
          'A cell finished on the server, but this notebook did not receive all of its outputs. Reopen the notebook to see what the server holds, or run the cell again.'
        ),
        { autoClose: false }
      );
    } else {
      console.info(
        `jupyterlab-handoff: ${action} the outputs of cell ${cellId} from the server's final result`
      );
    }
  }

  /**
   * Show `[*]` on this cell and on every cell queued behind it in one
   * transaction of the notebook, as stock JupyterLab marks all cells of a
   * Run All at once. One update instead of one per cell: the server applies,
   * stores and broadcasts each. Trust is set while the cells have no outputs
   * (setting it later would rewrite them).
   */
  private _markQueued(options: RunCellOptions): void {
    const queued = [...(this._waiting.get(options.notebook) ?? [])].filter(
      other =>
        other !== options &&
        !this._premarked.has(other.cell.model as ICodeCellModel) &&
        !other.cell.isDisposed &&
        other.cell.model.sharedModel.getSource().trim() !== ''
    );
    options.notebook.sharedModel.transact(() => {
      for (const { cell } of [options, ...queued]) {
        const model = cell.model as ICodeCellModel;
        model.clearExecution();
        (cell as CodeCell).outputHidden = false;
        model.executionState = 'running';
      }
    }, false);
    for (const other of queued) {
      this._premarked.add(other.cell.model as ICodeCellModel);
    }
  }

  /** A cell marked queued in advance that will not run on the server. */
  private _unmark(model: ICodeCellModel): void {
    if (
      this._premarked.delete(model) &&
      !model.isDisposed &&
      model.executionState === 'running' &&
      model.executionCount === null
    ) {
      model.executionState = 'idle';
    }
  }

  /**
   * A queued cell that will not run: put its prompt back, as JupyterLab does
   * for cells after a failing one.
   */
  private _abortQueued(options: RunCellOptions): boolean {
    const model = options.cell.model as ICodeCellModel;
    if (model.executionState === 'running' && model.executionCount === null) {
      model.executionState = 'idle';
    }
    const error = new KernelError({
      status: 'aborted',
      execution_count: null
    } as unknown as KernelMessage.IExecuteReplyMsg['content']);
    options.onCellExecuted({ cell: options.cell, success: false, error });
    throw error;
  }

  /**
   * The server failed the cell: keep its outputs, add a readable error, end
   * the `[*]`, and stop the cells queued behind it.
   */
  private _fail(
    options: RunCellOptions,
    message: string,
    event: Omit<ISubmissionEvent, 'phase'>
  ): boolean {
    const model = options.cell.model as ICodeCellModel;
    const ename = this._trans.__('ServerExecutionError');
    if (!options.cell.isDisposed && !model.isDisposed) {
      // Not inside an outer transaction: the output model syncs its own add
      // to the shared document, and a wrapping transaction would make this
      // tab apply the insert a second time when it ends.
      model.outputs.add({
        output_type: 'error',
        ename,
        evalue: message,
        traceback: [`${ename}: ${message}`]
      });
      model.executionState = 'idle';
    }
    this._options.onSubmission?.({
      ...event,
      phase: 'finished',
      success: false
    });
    const error = new KernelError({
      status: 'error',
      ename,
      evalue: message,
      traceback: [],
      execution_count: null
    } as unknown as KernelMessage.IExecuteReplyMsg['content']);
    this._stopQueueAfterError(options);
    options.onCellExecuted({ cell: options.cell, success: false, error });
    throw error;
  }

  private _stopQueueAfterError(options: RunCellOptions): void {
    const tags = options.cell.model.getMetadata('tags');
    if (Array.isArray(tags) && tags.includes('raises-exception')) {
      return;
    }
    this._queue.abortPending(options.notebook);
  }

  /**
   * Stop waiting when the kernel restarts, dies or is replaced: the server
   * run is gone with it. Returns the disconnector.
   */
  private _followLifecycle(
    sessionContext: SessionContext,
    watch: ExecutionWatch
  ): () => void {
    const onStatus = (_: unknown, status: string) => {
      if (
        status === 'restarting' ||
        status === 'autorestarting' ||
        status === 'dead'
      ) {
        watch.stop(status);
      }
    };
    const onKernelChanged = () => watch.stop('kernel-changed');
    const onDisposed = () => watch.stop('closed');
    sessionContext.statusChanged.connect(onStatus);
    sessionContext.kernelChanged.connect(onKernelChanged);
    sessionContext.disposed.connect(onDisposed);
    return () => {
      sessionContext.statusChanged.disconnect(onStatus);
      sessionContext.kernelChanged.disconnect(onKernelChanged);
      sessionContext.disposed.disconnect(onDisposed);
    };
  }

  private _describeBackendError(reason: unknown): string {
    const trans = this._trans;
    if (reason instanceof BackendError) {
      switch (reason.kind) {
        case 'unreachable':
          return trans.__(
            'The server could not be reached to run this cell (%1). Check the connection and run it again.',
            reason.detail
          );
        case 'malformed':
          return trans.__(
            'The server answered with something unreadable (HTTP %1). The cell was not run.',
            String(reason.status)
          );
        case 'http':
          return trans.__(
            'The server refused to run this cell (HTTP %1: %2).',
            String(reason.status),
            reason.detail
          );
      }
    }
    return trans.__(
      'Running this cell on the server failed: %1',
      String(reason)
    );
  }

  private _options: IHandoffExecutorOptions;
  private _trans: TranslationBundle;
  private _stockTrans: TranslationBundle;
  private _installHint: string | null = null;
  private _clientRunCell: (options: RunCellOptions) => Promise<boolean>;
  private _queue = new SubmissionQueue<INotebookModel>();
  private _noDocumentId = new WeakSet<INotebookModel>();
  /** Cells waiting for their turn in the submission queue, per notebook. */
  private _waiting = new WeakMap<INotebookModel, Set<RunCellOptions>>();
  /** Cells shown as queued by an earlier cell's mark, not yet submitted. */
  private _premarked = new WeakSet<ICodeCellModel>();
}

/**
 * The execute_reply content JupyterLab's `KernelError` expects, rebuilt from
 * the server's reply and its error output.
 */
function replyContent(
  outcome: Extract<ExecutionOutcome, { kind: 'reply' }>
): KernelMessage.IExecuteReplyMsg['content'] {
  const error = outcome.outputs.find(
    (output): output is Record<string, unknown> =>
      typeof output === 'object' &&
      output !== null &&
      (output as { output_type?: unknown }).output_type === 'error'
  );
  return {
    status: outcome.status,
    execution_count: outcome.executionCount,
    ename: typeof error?.ename === 'string' ? error.ename : '',
    evalue: typeof error?.evalue === 'string' ? error.evalue : '',
    traceback: Array.isArray(error?.traceback) ? error.traceback : []
  } as unknown as KernelMessage.IExecuteReplyMsg['content'];
}
