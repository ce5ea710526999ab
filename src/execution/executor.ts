/**
 * The notebook cell executor: runs code cells on the server when it can,
 * and in the tab (JupyterLab's own `runCell`) when it cannot.
 */
import type { ICodeCellModel } from '@jupyterlab/cells';
import {
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
import { waitForDocumentId } from './documentid';
import { chooseExecutionPath, type ExecutionPath } from './executionpath';
import {
  ExecutionWatch,
  followLifecycle,
  type WatchOutcome
} from './executionwatch';
import { BatchMarks } from './batch';
import {
  abortQueued,
  conclude,
  failRun,
  type IConcludeContext
} from './conclude';
import { causeOfStop, LiveRuns, OutputsMemory } from './cutshort';
import { checkKernel, kernelSettled } from './guards';
import type { ReconcileAction } from './divergence';
import { describeBackendError } from './messages';
import type { ListingPoller } from '../server/poller';
import type { IHandoffSettings } from '../settings';
import { SubmissionQueue } from './submissionqueue';
import { Timings } from '../timings';
import type {
  ClientPathReason,
  IExecutionBackend,
  IExecutionBackendRegistry,
  ISubmission,
  ISubmissionEvent
} from '../tokens';

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
   * How long a run waits for a session's pending kernel
   * (`Timings.kernelPending` by default).
   */
  kernelPendingMs?: number;
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
   * How long the document may lag the server's "done" (ms,
   * `Timings.documentGrace` by default).
   */
  documentGraceMs?: number;
  /** How long a cut-short run's message is kept written (ms). */
  cutShortKeepMs?: number;
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
    this._batch.add(options);
    let onServer = false;
    try {
      await ticket.turn;
      await this._options.settings.ready;
      if (ticket.aborted) {
        ticket.release();
        return abortQueued(options);
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
      await kernelSettled(
        sessionContext,
        this._options.kernelPendingMs ?? Timings.kernelPending
      );
      const kernelReady = await checkKernel(
        options,
        sessionContext,
        this._stockTrans
      );
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
      this._batch.remove(options);
      if (!onServer) {
        this._batch.unmark(cell.model as ICodeCellModel);
      }
      ticket.release();
    }
  }

  private async _runInTab(
    options: RunCellOptions,
    reason: ClientPathReason
  ): Promise<boolean> {
    // JupyterLab's executor marks the cell itself.
    this._batch.unmark(options.cell.model as ICodeCellModel);
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
    this._batch.markBeforeSubmit(options);

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
    // For a run cut short: whether it was running, and what it showed.
    const live = this._live.add(kernelId);
    const memory = new OutputsMemory(
      notebook.sharedModel as ISharedNotebook,
      cellId
    );
    let wasRunning: boolean | null = null;
    // JupyterLab reports a restart by the server after a death as
    // 'restarting' then, a moment later, 'autorestarting': keep the latter.
    let stopReason: string | null = null;
    const watch = new ExecutionWatch({
      backend,
      poller: this._options.poller,
      kernelId,
      notebook: notebook.sharedModel as ISharedNotebook,
      cellId,
      documentGraceMs: this._options.documentGraceMs,
      onStatus: status => {
        if (status !== 'gone') {
          live.status = status;
        }
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
      live.remove();
      memory.dispose();
      ticket.release();
      return failRun(
        this._context,
        options,
        describeBackendError(reason, this._trans),
        event
      );
    }
    if (!tabQueue) {
      ticket.release();
    }
    event.requestId = submission.requestId;
    this._options.onSubmission?.({ ...event, phase: 'accepted' });
    watch.accepted(submission);

    const release = followLifecycle(sessionContext, {
      stop: reason => {
        // Decided when the kernel goes, before any of the runs stopped
        // with it concludes (and leaves `live`).
        wasRunning ??= live.wasRunning();
        if (stopReason === null || reason !== 'restarting') {
          stopReason = reason;
        }
        watch.stop(reason);
      }
    });
    let outcome: WatchOutcome;
    try {
      outcome = await watch.done;
      if (outcome.kind === 'stopped' && causeOfStop(outcome.reason)) {
        outcome = await stoppedOrForgotten(
          backend,
          kernelId,
          submission,
          outcome
        );
        if (outcome.kind === 'stopped' && stopReason) {
          outcome = { ...outcome, reason: stopReason };
        }
      }
    } finally {
      release();
    }
    try {
      // Conclude before the next cell of a tab-fed queue may go: a failure
      // must stop it first.
      return conclude(this._context, options, outcome, event, {
        wasRunning: wasRunning ?? live.wasRunning(),
        outputs: memory.outputs
      });
    } finally {
      live.remove();
      memory.dispose();
    }
  }

  private _stopQueueAfterError(options: RunCellOptions): void {
    const tags = options.cell.model.getMetadata('tags');
    if (Array.isArray(tags) && tags.includes('raises-exception')) {
      return;
    }
    this._queue.abortPending(options.notebook);
  }

  private get _context(): IConcludeContext {
    return {
      trans: this._trans,
      onSubmission: this._options.onSubmission,
      stopQueue: options => this._stopQueueAfterError(options),
      onDivergence: this._options.onDivergence,
      reconcileGraceMs: this._options.reconcileGraceMs,
      cutShortKeepMs: this._options.cutShortKeepMs
    };
  }

  private _options: IHandoffExecutorOptions;
  private _trans: TranslationBundle;
  private _stockTrans: TranslationBundle;
  private _installHint: string | null = null;
  private _clientRunCell: (options: RunCellOptions) => Promise<boolean>;
  private _queue = new SubmissionQueue<INotebookModel>();
  private _noDocumentId = new WeakSet<INotebookModel>();
  private _batch = new BatchMarks();
  private _live = new LiveRuns();
}

/**
 * A kernel that went away during a run (dead, replaced) may have gone with
 * the whole server: a server that stopped or no longer knows the run means
 * the server restarted, which is what the cell must say.
 */
async function stoppedOrForgotten(
  backend: IExecutionBackend,
  kernelId: string,
  submission: ISubmission,
  outcome: WatchOutcome
): Promise<WatchOutcome> {
  if (!backend.check || submission.requestId === null) {
    return outcome;
  }
  try {
    const progress = await backend.check(kernelId, submission);
    return progress.done && progress.outcome.kind === 'consumed'
      ? progress.outcome
      : outcome;
  } catch {
    // No answer: the server is down.
    return { kind: 'consumed' };
  }
}
