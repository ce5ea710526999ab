/**
 * Waits for one server-side execution to end.
 *
 * Two sources race: the shared document (the cell goes back to idle with a
 * count, which the server writes in one transaction) and the server's request
 * listing (the request stops being listed). Whichever comes first, the result
 * is then read once from the server, which also frees it there.
 */
import type {
  ISharedCell,
  ISharedCodeCell,
  ISharedNotebook
} from '@jupyter/ydoc';
import type {
  ExecutionOutcome,
  IExecutionBackend,
  ISubmission
} from './backend/types';
import type { RequestMonitor, TrackedStatus } from './requestmonitor';

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
  monitor: RequestMonitor;
  kernelId: string;
  submission: ISubmission;
  notebook: ISharedNotebook;
  cellId: string;
  /** Called when the server reports a new state for the request. */
  onStatus?: (status: TrackedStatus) => void;
  /** How long to wait for the document once the server says it is done. */
  documentGraceMs?: number;
  /**
   * While the request runs, how often to read it (ms; 0: never). The
   * server's listing does not report a stdin prompt: only reading the
   * request itself does (jupyter-server-nbmodel answers 300).
   */
  inputProbeMs?: number;
}

/**
 * Whether the shared cell shows a finished execution.
 */
export function isCompleteInDocument(cell: ISharedCell | undefined): boolean {
  if (!cell || cell.cell_type !== 'code') {
    return false;
  }
  const code = cell as ISharedCodeCell;
  return code.executionState === 'idle' && code.execution_count !== null;
}

/**
 * Read the outcome from the shared cell alone, for when the server's result
 * was already taken by another client.
 */
export function outcomeFromDocument(cell: ISharedCell): ExecutionOutcome {
  const code = cell as ISharedCodeCell;
  const outputs = code.getOutputs();
  const failed = outputs.some(output => output.output_type === 'error');
  return {
    kind: 'reply',
    status: failed ? 'error' : 'ok',
    executionCount:
      typeof code.execution_count === 'number' ? code.execution_count : null,
    outputs
  };
}

/**
 * Follows one execution to its end.
 */
export class ExecutionWatch {
  constructor(private readonly _options: IExecutionWatchOptions) {
    this.done = new Promise<WatchOutcome>(resolve => {
      this._resolve = resolve;
    });
    const { notebook, monitor, kernelId, submission } = _options;
    notebook.changed.connect(this._onNotebookChanged, this);
    this._attach();
    this._tracking = monitor.track(
      kernelId,
      submission.requestId,
      this._onTrackedStatus
    );
    // The cell may already be done (a very short run, or the document
    // synced before we started watching).
    if (isCompleteInDocument(this._cell)) {
      void this._settle();
    }
  }

  /** Resolves once, with how the execution ended. */
  readonly done: Promise<WatchOutcome>;

  /**
   * Stop waiting, e.g. because the kernel restarted.
   */
  stop(reason: string): void {
    this._finish({ kind: 'stopped', reason });
  }

  private _attach(): void {
    const cell = this._options.notebook.cells.find(
      candidate => candidate.getId() === this._options.cellId
    );
    if (cell === this._cell) {
      return;
    }
    this._cell?.changed.disconnect(this._onCellChanged, this);
    this._cell = cell;
    cell?.changed.connect(this._onCellChanged, this);
  }

  private _onNotebookChanged(
    _: ISharedNotebook,
    change: { cellsChange?: unknown }
  ): void {
    if (!change.cellsChange) {
      return;
    }
    // A move replaces the shared cell object; a delete removes it.
    this._attach();
    if (!this._cell) {
      this._finish({ kind: 'cell-deleted' });
    } else if (isCompleteInDocument(this._cell)) {
      void this._settle();
    }
  }

  private _onCellChanged(
    cell: ISharedCell,
    change: { executionStateChange?: unknown; executionCountChange?: unknown }
  ): void {
    if (
      (change.executionStateChange || change.executionCountChange) &&
      isCompleteInDocument(cell)
    ) {
      void this._settle();
    }
  }

  private _onTrackedStatus = (status: TrackedStatus): void => {
    if (status === 'gone') {
      void this._settle();
    } else {
      this._options.onStatus?.(status);
      if (status === 'running') {
        this._scheduleProbe();
      }
    }
  };

  /** Read the running request now and then, to learn of stdin prompts. */
  private _scheduleProbe(): void {
    const every = this._options.inputProbeMs ?? 3000;
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
   * Read the final result from the server, tolerating the races between the
   * document update and the result becoming readable.
   */
  private async _settle(): Promise<void> {
    if (this._settling || this._finished) {
      return;
    }
    this._settling = true;
    const { backend, kernelId, submission } = this._options;
    try {
      for (let attempt = 0; attempt < 20 && !this._finished; attempt++) {
        let progress;
        try {
          progress = await backend.check(kernelId, submission);
        } catch {
          if (isCompleteInDocument(this._cell)) {
            this._finish(outcomeFromDocument(this._cell!));
          }
          // Unreachable and not done in the document: keep watching.
          return;
        }
        if (progress.done) {
          if (progress.outcome.kind === 'consumed') {
            this._finish(await this._outcomeFromDocumentWhenComplete());
          } else {
            this._finish(progress.outcome);
          }
          return;
        }
        this._options.onStatus?.(progress.status);
        if (
          progress.status !== 'running' ||
          !isCompleteInDocument(this._cell)
        ) {
          // Still waiting on the server. A queued request cannot be what the
          // document shows as finished: that is an earlier run of the cell.
          return;
        }
        // Running on the server but finished in the document: the document
        // is ahead of the server's bookkeeping by a moment.
        await delay(50 * (attempt + 1));
      }
      // Still listed as running: the monitor reports when it is gone.
    } finally {
      this._settling = false;
    }
  }

  private async _outcomeFromDocumentWhenComplete(): Promise<ExecutionOutcome> {
    const grace = this._options.documentGraceMs ?? 5000;
    const deadline = Date.now() + grace;
    while (!isCompleteInDocument(this._cell) && Date.now() < deadline) {
      if (this._finished) {
        return { kind: 'consumed' };
      }
      await delay(100);
    }
    if (this._cell && isCompleteInDocument(this._cell)) {
      return outcomeFromDocument(this._cell);
    }
    return { kind: 'consumed' };
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
    this._tracking.dispose();
    this._options.notebook.changed.disconnect(this._onNotebookChanged, this);
    this._cell?.changed.disconnect(this._onCellChanged, this);
    this._resolve(outcome);
  }

  private _cell: ISharedCell | undefined;
  private _tracking: { dispose(): void };
  private _resolve!: (outcome: WatchOutcome) => void;
  private _settling = false;
  private _finished = false;
  private _probe: ReturnType<typeof setTimeout> | null = null;
}

function delay(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}
