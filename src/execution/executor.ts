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
import { waitForDocumentId } from './documentid';
import {
  chooseExecutionPath,
  decidedBackend,
  type ExecutionPath
} from './executionpath';
import {
  followSubmission,
  NewestSubmissions,
  prepareSubmission,
  type IBatchedCell
} from './submission';
import { BatchMarks } from './batch';
import { LiveRuns } from './cutshort';
import { abortQueued, failRun, type IConcludeContext } from './conclude';
import { checkKernel, kernelSettled } from './guards';
import type { ReconcileAction } from './divergence';
import { describeBackendError } from './messages';
import type { ListingPoller } from '../server/poller';
import type { IHandoffSettings } from '../settings';
import { SubmissionQueue } from './submissionqueue';
import { Timings } from '../timings';
import type {
  ClientPathReason,
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
      // No longer waiting: a later cell's mark must not take this one for
      // queued behind it (it would clear a running cell, or send it again).
      this._batch.remove(options);
      const batched = this._batched.get(options);
      if (batched) {
        this._batched.delete(options);
        onServer = true;
        return await this._followBatched(
          options,
          sessionContext,
          batched,
          ticket
        );
      }
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
      backend: () =>
        decidedBackend(this._options.backends, kernelId, hint => {
          this._installHint = hint;
        }),
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

  private async _runOnServer(
    options: RunCellOptions,
    sessionContext: SessionContext,
    kernelId: string,
    path: Extract<ExecutionPath, { path: 'server' }>,
    ticket: { release(): void }
  ): Promise<boolean> {
    const { cell, notebook } = options;
    const { backend } = path;
    const model = cell.model as ICodeCellModel;

    if (!model.sharedModel.getSource().trim()) {
      // As in JupyterLab: an empty cell is cleared, not executed.
      model.sharedModel.transact(() => model.clearExecution(), false);
      options.onCellExecuted({ cell, success: true });
      return true;
    }

    notebook.deletedCells.splice(0, notebook.deletedCells.length);
    this._batch.markBeforeSubmit(options);
    // A backend that takes several cells in one request gets the cells
    // marked with this one in the same request: the server queues all of
    // them or none, so a failure or a closed tab cannot split a Run All.
    const followers =
      backend.capabilities.batch &&
      backend.capabilities.queue === 'server' &&
      backend.submitBatch
        ? this._batch.queuedBehind(options)
        : [];
    const documentPath =
      (this._options.kernelShared?.(kernelId, sessionContext.path) ?? true)
        ? sessionContext.path
        : null;
    // Watch the document from before the POST: the end of a short run can
    // arrive before the server's answer does.
    const prepared = [options, ...followers].map(one =>
      prepareSubmission(one, {
        backend,
        poller: this._options.poller,
        onSubmission: this._options.onSubmission,
        kernelId,
        documentId: path.documentId,
        documentPath,
        live: this._live,
        newest: this._newest,
        documentGraceMs: this._options.documentGraceMs
      })
    );
    const submissions =
      followers.length > 0
        ? backend.submitBatch!(prepared.map(p => p.submit))
        : backend.submit(prepared[0].submit).then(s => [s]);
    followers.forEach((follower, i) => {
      this._batch.handedOver(follower);
      this._batched.set(follower, {
        ...prepared[i + 1],
        submission: submissions.then(all => all[i + 1])
      });
    });
    // Followers read the outcome on their turn; a refusal is handled there.
    submissions.catch(() => undefined);

    // With the queue in the tab, the next cell waits until this one is over.
    const tabQueue = backend.capabilities.queue === 'tab';
    let submission: ISubmission;
    try {
      [submission] = await submissions;
    } catch (reason) {
      prepared[0].discard();
      ticket.release();
      return failRun(
        this._context,
        options,
        describeBackendError(reason, this._trans),
        prepared[0].event
      );
    }
    if (!tabQueue) {
      ticket.release();
    }
    // Conclude before the next cell of a tab-fed queue may go: a failure
    // must stop it first.
    return followSubmission(
      this._context,
      options,
      sessionContext,
      prepared[0],
      submission
    );
  }

  /**
   * A cell an earlier cell submitted in its request: follow it on the
   * server, or give its prompt back if the request was refused.
   */
  private async _followBatched(
    options: RunCellOptions,
    sessionContext: SessionContext,
    batched: IBatchedCell,
    ticket: { release(): void }
  ): Promise<boolean> {
    let submission: ISubmission;
    try {
      submission = await batched.submission;
    } catch {
      batched.discard();
      ticket.release();
      this._options.onSubmission?.({
        ...batched.event,
        phase: 'finished',
        success: false
      });
      this._batch.unmark(options.cell.model as ICodeCellModel);
      return abortQueued(options);
    }
    ticket.release();
    return followSubmission(
      this._context,
      options,
      sessionContext,
      batched,
      submission
    );
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
  private _newest = new NewestSubmissions();
  /** Cells submitted by an earlier cell's request, until their turn. */
  private _batched = new Map<RunCellOptions, IBatchedCell>();
}
