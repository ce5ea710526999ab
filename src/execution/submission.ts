/**
 * One cell's way through the server once the executor decided to send it:
 * announced and watched from before its request (the end of a short run can
 * arrive before the server's answer does), then followed to its end.
 */
import { Notification } from '@jupyterlab/apputils';
import type { ICodeCellModel } from '@jupyterlab/cells';
import type {
  INotebookCellExecutor,
  INotebookModel
} from '@jupyterlab/notebook';
import type { ISharedNotebook } from '@jupyter/ydoc';
import { conclude, type IConcludeContext } from './conclude';
import {
  causeOfStop,
  OutputsMemory,
  type ILiveRun,
  type LiveRuns
} from './cutshort';
import {
  ExecutionWatch,
  followLifecycle,
  type WatchOutcome
} from './executionwatch';
import { inputUnsupportedMessage } from './messages';
import type { ListingPoller } from '../server/poller';
import type {
  IExecutionBackend,
  ISubmission,
  ISubmissionEvent,
  ISubmitOptions
} from '../tokens';

type RunCellOptions = INotebookCellExecutor.IRunCellOptions;
type SessionContext = NonNullable<RunCellOptions['sessionContext']>;

/** A cell about to be submitted: its watch, its events, what is sent. */
export interface IPreparedCell {
  backend: IExecutionBackend;
  watch: ExecutionWatch;
  event: {
    notebook: INotebookModel;
    cellId: string;
    kernelId: string;
    requestId: string | null;
  };
  submit: ISubmitOptions;
  /** For a run cut short: whether it was running, and what it showed. */
  live: ILiveRun;
  memory: OutputsMemory;
  /** Whether this is still the tab's newest submission of the cell. */
  isNewest: () => boolean;
  /** Stop watching: the cell was never accepted. */
  discard(): void;
}

/** A cell submitted in an earlier cell's request, waiting for its turn. */
export interface IBatchedCell extends IPreparedCell {
  submission: Promise<ISubmission>;
}

/**
 * This tab's newest submission of each cell. A run of a cell this tab ran
 * again must not repair the cell from its result: the cell is the newer
 * run's.
 */
export class NewestSubmissions {
  /** The cell is submitted (again); returns whether this one is the newest. */
  add(model: ICodeCellModel): () => boolean {
    const token = {};
    this._newest.set(model, token);
    return () => this._newest.get(model) === token;
  }

  private _newest = new WeakMap<ICodeCellModel, object>();
}

/**
 * Announce a cell's submission (scheduled, `submitting`) and start watching
 * its document.
 */
export function prepareSubmission(
  options: RunCellOptions,
  deps: {
    backend: IExecutionBackend;
    poller: ListingPoller;
    onSubmission?: (event: ISubmissionEvent) => void;
    kernelId: string;
    documentId: string;
    documentPath: string | null;
    live: LiveRuns;
    newest: NewestSubmissions;
    documentGraceMs?: number;
  }
): IPreparedCell {
  const { backend, poller, onSubmission, kernelId } = deps;
  const model = options.cell.model as ICodeCellModel;
  const cellId = model.sharedModel.getId();
  options.onCellExecutionScheduled({ cell: options.cell });
  const event = {
    notebook: options.notebook,
    cellId,
    kernelId,
    requestId: null as string | null
  };
  onSubmission?.({ ...event, phase: 'submitting' });
  let lastStatus: string | null = null;
  const live = deps.live.add(kernelId);
  const memory = new OutputsMemory(
    options.notebook.sharedModel as ISharedNotebook,
    cellId
  );
  const watch = new ExecutionWatch({
    backend,
    poller,
    kernelId,
    notebook: options.notebook.sharedModel as ISharedNotebook,
    cellId,
    documentGraceMs: deps.documentGraceMs,
    onStatus: status => {
      if (status !== 'gone') {
        live.status = status;
      }
      if (status !== 'gone' && status !== lastStatus) {
        lastStatus = status;
        onSubmission?.({ ...event, phase: 'accepted', status });
      }
    }
  });
  return {
    backend,
    watch,
    event,
    live,
    memory,
    isNewest: deps.newest.add(model),
    discard: () => {
      watch.dispose();
      live.remove();
      memory.dispose();
    },
    submit: {
      kernelId,
      code: model.sharedModel.getSource(),
      cellId,
      documentId: deps.documentId,
      documentPath: deps.documentPath,
      recordTiming: !!options.notebookConfig.recordTiming
    }
  };
}

/**
 * The server accepted the cell: wait for the end of its run (or of its
 * kernel) and conclude it in JupyterLab's executor contract.
 */
export async function followSubmission(
  ctx: IConcludeContext,
  options: RunCellOptions,
  sessionContext: SessionContext,
  prepared: Pick<
    IPreparedCell,
    'backend' | 'watch' | 'event' | 'live' | 'memory' | 'isNewest'
  >,
  submission: ISubmission
): Promise<boolean> {
  const { watch, event, live, memory, backend } = prepared;
  const kernelId = event.kernelId;
  event.requestId = submission.requestId;
  ctx.onSubmission?.({ ...event, phase: 'accepted' });
  watch.accepted(submission);
  let wasRunning: boolean | null = null;
  // JupyterLab reports a restart by the server after a death as
  // 'restarting' then, a moment later, 'autorestarting': keep the latter.
  let stopReason: string | null = null;
  const release = followLifecycle(sessionContext, {
    stop: reason => {
      // Decided when the kernel goes, before any of the runs stopped with
      // it concludes (and leaves `live`).
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
      // A read of the result in flight when the kernel went: the server
      // said how the run ended (e.g. with the note of a restart), and the
      // result is no longer there to read again.
      // (A server that writes kernel notes ends the run with its note.)
      await watch.whenSettled();
      const told = watch.result;
      if (told && backend.capabilities.kernelNotes === 'server') {
        outcome = told;
      } else {
        if (!told) {
          outcome = await stoppedOrForgotten(
            backend,
            kernelId,
            submission,
            outcome
          );
        }
        if (outcome.kind === 'stopped' && stopReason) {
          outcome = { ...outcome, reason: stopReason };
        }
      }
    }
  } finally {
    release();
  }
  const inputMessage = inputUnsupportedMessage(
    outcome,
    prepared.backend,
    ctx.trans
  );
  if (inputMessage) {
    Notification.warning(inputMessage, { autoClose: false });
  }
  try {
    return conclude(ctx, options, outcome, event, {
      wasRunning: wasRunning ?? live.wasRunning(),
      outputs: memory.outputs,
      kernelNotes: backend.capabilities.kernelNotes,
      isNewest: prepared.isNewest
    });
  } finally {
    live.remove();
    memory.dispose();
  }
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
