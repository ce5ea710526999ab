/**
 * Waits for one server-side execution to end.
 *
 * The shared document is always watched (from before the submission, see
 * `completion.ts`). What else is asked depends on the backend:
 *
 * - with `finalResult` (and `check`), once the document shows the end or the
 *   listing stops listing the submission, the result is read once from the
 *   server, which also frees it there;
 * - with `listing`, the kernel's poller reports the submission's status;
 * - with neither, the document's end is the outcome.
 */
import type { ISharedNotebook } from '@jupyter/ydoc';
import type { ISessionContext } from '@jupyterlab/apputils';
import {
  outcomeFromDocument,
  RunEndObserver,
  showsRunEnd,
  type RunEndEvent
} from './completion';
import type { ListingPoller, TrackedStatus } from '../server/poller';
import { Timings } from '../timings';
import type {
  ExecutionOutcome,
  IExecutionBackend,
  ISubmission,
  RequestProgress,
  RequestStatus
} from '../tokens';

/**
 * How a watched execution ended, as far as this tab can tell.
 */
export type WatchOutcome =
  | ExecutionOutcome
  /** The cell was deleted from the notebook while it ran. */
  | { kind: 'cell-deleted' }
  /** The watch was stopped (kernel restarted or died, notebook closed). */
  | { kind: 'stopped'; reason: string };

export interface IExecutionWatchOptions {
  backend: IExecutionBackend;
  poller: ListingPoller;
  kernelId: string;
  notebook: ISharedNotebook;
  cellId: string;
  /** Called when the server reports a new state for the submission. */
  onStatus?: (status: TrackedStatus) => void;
  /** How long to wait for the document once the server says it is done. */
  documentGraceMs?: number;
  /** While the submission runs, how often to read it (ms; 0: never). */
  inputProbeMs?: number;
}

/**
 * Follows one execution to its end. Create it before submitting, then call
 * `accepted` with the server's answer.
 */
export class ExecutionWatch {
  constructor(private readonly _options: IExecutionWatchOptions) {
    this.done = new Promise<WatchOutcome>(resolve => {
      this._resolve = resolve;
    });
    this._observer = new RunEndObserver(
      _options.notebook,
      _options.cellId,
      this._onDocument
    );
  }

  /** Resolves once, with how the execution ended. */
  readonly done: Promise<WatchOutcome>;

  /**
   * The server's final result for the submission, once this watch read it
   * (reading frees it on the server), even after the watch was stopped: a
   * read in flight when the kernel went can still return it.
   */
  get result(): ExecutionOutcome | null {
    return this._result;
  }

  /** Resolves when no read of the server's result is in flight. */
  async whenSettled(): Promise<void> {
    while (this._settling) {
      await new Promise<void>(resolve => this._settledWaiters.push(resolve));
    }
  }

  /**
   * The server accepted the submission: follow it there too.
   */
  accepted(submission: ISubmission): void {
    if (this._finished) {
      return;
    }
    this._submission = submission;
    const { poller, kernelId } = this._options;
    if (submission.requestId !== null) {
      this._tracking = poller.track(
        kernelId,
        submission.requestId,
        this._onTrackedStatus
      );
    }
    if (this._observer.ended) {
      void this._settle();
    }
  }

  /**
   * Stop waiting, e.g. because the kernel restarted.
   */
  stop(reason: string): void {
    this._finish({ kind: 'stopped', reason });
  }

  /** Stop watching without an outcome (the submission failed). */
  dispose(): void {
    this._finish({ kind: 'stopped', reason: 'disposed' });
  }

  private _onDocument = (event: RunEndEvent): void => {
    if (event.kind === 'deleted') {
      this._finish({ kind: 'cell-deleted' });
    } else if (this._submission) {
      void this._settle();
    }
  };

  private _onTrackedStatus = (status: TrackedStatus): void => {
    if (status === 'gone') {
      void this._settle(true);
    } else {
      // A listing does not report stdin prompts: its "running" does not
      // undo a prompt this watch read itself; only its next read does.
      if (!(status === 'running' && this._read === 'input')) {
        this._options.onStatus?.(status);
      }
      if (status === 'running') {
        this._scheduleProbe();
      }
    }
  };

  /** Read the running submission now and then, to learn of stdin prompts. */
  private _scheduleProbe(): void {
    const every = this._options.inputProbeMs ?? Timings.inputProbe;
    if (every <= 0 || this._probe !== null || this._finished) {
      return;
    }
    this._probe = setTimeout(() => {
      this._probe = null;
      if (this._finished) {
        return;
      }
      void this._settle().then(() => this._scheduleProbe());
    }, every);
  }

  /**
   * Conclude: from the server's result when it keeps one (tolerating the
   * races between the document update and the result becoming readable),
   * else from the document.
   */
  private async _settle(gone = false): Promise<void> {
    if (this._settling || this._finished || !this._submission) {
      return;
    }
    const { backend, kernelId } = this._options;
    const submission = this._submission;
    if (
      !backend.capabilities.finalResult ||
      !backend.check ||
      submission.requestId === null
    ) {
      if (this._observer.ended && this._observer.cell) {
        this._finish(outcomeFromDocument(this._observer.cell));
      } else if (gone) {
        await this._settleUnlisted();
      }
      return;
    }
    this._settling = true;
    try {
      for (
        let attempt = 0;
        attempt < Timings.settleAttempts && !this._finished;
        attempt++
      ) {
        let progress;
        try {
          progress = await backend.check(kernelId, submission);
        } catch {
          if (this._observer.ended && showsRunEnd(this._observer.cell)) {
            this._finish(outcomeFromDocument(this._observer.cell!));
          }
          // Unreachable and not done in the document: keep watching.
          return;
        }
        if (progress.done) {
          if (progress.outcome.kind === 'consumed') {
            this._finish(await this._outcomeFromDocumentWhenComplete());
          } else {
            this._result = progress.outcome;
            this._finish(progress.outcome);
          }
          return;
        }
        this._read = progress.status;
        this._options.onStatus?.(progress.status);
        if (
          progress.status !== 'running' ||
          !showsRunEnd(this._observer.cell)
        ) {
          // Still waiting on the server. A queued submission cannot be what
          // the document shows as finished: that is an earlier run.
          return;
        }
        // Running on the server but finished in the document: the document
        // is ahead of the server's bookkeeping by a moment.
        await delay(Timings.settleStep * (attempt + 1));
      }
      // Still listed as running: the poller reports when it is gone.
    } finally {
      this._settling = false;
      this._notifySettled();
    }
  }

  /**
   * A backend without final results stopped listing the submission and the
   * document shows no end: the server may have dropped it without running
   * it (a cell before it failed, an interrupt), which writes no count. Ask
   * the server once how it ended; a run that did end waits for the
   * document.
   */
  private async _settleUnlisted(): Promise<void> {
    const { backend, kernelId } = this._options;
    const submission = this._submission;
    if (!backend.check || !submission || submission.requestId === null) {
      return;
    }
    this._settling = true;
    try {
      let progress: RequestProgress;
      try {
        progress = await backend.check(kernelId, submission);
      } catch {
        // Unreachable: the next listing that misses it asks again.
        return;
      }
      if (progress.done && progress.outcome.kind !== 'consumed') {
        this._result = progress.outcome;
      }
      if (!progress.done || this._finished) {
        return;
      }
      const outcome = progress.outcome;
      if (outcome.kind === 'cancelled' || outcome.kind === 'failed') {
        this._finish(outcome);
      } else if (
        outcome.kind === 'reply' &&
        outcome.status === 'aborted' &&
        !showsRunEnd(this._observer.cell)
      ) {
        // The kernel aborted it (a foreign cell before it failed): as
        // JupyterLab treats a cell after a failing one.
        this._finish({
          kind: 'cancelled',
          reason: 'previous-failed',
          message: ''
        });
      } else {
        this._finish(await this._outcomeFromDocumentWhenComplete());
      }
    } finally {
      this._settling = false;
      this._notifySettled();
    }
  }

  private async _outcomeFromDocumentWhenComplete(): Promise<ExecutionOutcome> {
    const grace = this._options.documentGraceMs ?? Timings.documentGrace;
    const deadline = Date.now() + grace;
    while (!showsRunEnd(this._observer.cell) && Date.now() < deadline) {
      if (this._finished) {
        return { kind: 'consumed' };
      }
      await delay(100);
    }
    const cell = this._observer.cell;
    if (cell && showsRunEnd(cell)) {
      return outcomeFromDocument(cell);
    }
    return { kind: 'consumed' };
  }

  private _notifySettled(): void {
    const waiters = this._settledWaiters.splice(0);
    waiters.forEach(resolve => resolve());
  }

  private _finish(outcome: WatchOutcome): void {
    if (this._finished) {
      return;
    }
    this._finished = true;
    if (this._probe !== null) {
      clearTimeout(this._probe);
      this._probe = null;
    }
    this._tracking?.dispose();
    this._observer.dispose();
    this._resolve(outcome);
  }

  private _observer: RunEndObserver;
  private _submission: ISubmission | null = null;
  private _tracking: { dispose(): void } | null = null;
  private _resolve!: (outcome: WatchOutcome) => void;
  private _settling = false;
  private _settledWaiters: (() => void)[] = [];
  private _result: ExecutionOutcome | null = null;
  private _finished = false;
  /** The status this watch last read from the backend itself. */
  private _read: RequestStatus | null = null;
  private _probe: ReturnType<typeof setTimeout> | null = null;
}

function delay(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/**
 * Stop waiting when the kernel restarts, dies or is replaced: the server
 * run is gone with it. Returns the disconnector.
 */
export function followLifecycle(
  sessionContext: Pick<
    ISessionContext,
    'statusChanged' | 'kernelChanged' | 'disposed'
  >,
  watch: Pick<ExecutionWatch, 'stop'>
): () => void {
  const onStatus = (_: unknown, status: string) => {
    if (
      status === 'restarting' ||
      status === 'autorestarting' ||
      status === 'dead'
    ) {
      watch.stop(status);
    } else if (status === 'starting') {
      // Restarted from another tab: this tab only hears the new kernel
      // say it is starting.
      watch.stop('restarting');
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
