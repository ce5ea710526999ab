/**
 * How a server-side run ends, in JupyterLab's executor contract: `runCell`
 * resolves `true` on success, throws a `KernelError` on an error (so Run All
 * stops), and never leaves a `[*]` behind on a failure.
 */
import { Notification } from '@jupyterlab/apputils';
import type { ICodeCellModel } from '@jupyterlab/cells';
import {
  KernelError,
  type INotebookCellExecutor,
  type INotebookModel
} from '@jupyterlab/notebook';
import type * as nbformat from '@jupyterlab/nbformat';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ExecutionOutcome, ISubmissionEvent } from '../tokens';
import { repairAfterRun, type ReconcileAction } from './divergence';
import type { WatchOutcome } from './executionwatch';
import { abortedError, replyContent, serverError } from './messages';
import {
  causeOfStop,
  cutShortMessage,
  cutShortOutput,
  keepCutShort,
  tabWritesNote,
  type CutShortCause
} from './cutshort';

type RunCellOptions = INotebookCellExecutor.IRunCellOptions;

/**
 * What concluding a run needs from the executor.
 */
export interface IConcludeContext {
  trans: TranslationBundle;
  onSubmission?: (event: ISubmissionEvent) => void;
  /** Stop the cells queued behind a failed one. */
  stopQueue: (options: RunCellOptions) => void;
  onDivergence?: (event: {
    notebook: INotebookModel;
    cellId: string;
    action: ReconcileAction;
  }) => void;
  reconcileGraceMs?: number;
  /** How long a cut-short message is written again (`keepCutShort`). */
  cutShortKeepMs?: number;
}

/**
 * What the executor knew of the run when it ended, for a run cut short.
 */
export interface IRunFacts {
  /** Whether it was running (not queued) when cut short. */
  wasRunning: boolean;
  /** The most complete outputs the cell showed during the run. */
  outputs: nbformat.IOutput[];
  /** Who writes a kernel restart or death note (the backend's capability). */
  kernelNotes?: 'server' | 'tab';
  /** Whether this is still the tab's newest run of the cell. */
  isNewest?: () => boolean;
}

/**
 * Turn how the execution ended into JupyterLab's executor contract.
 */
export function conclude(
  ctx: IConcludeContext,
  options: RunCellOptions,
  outcome: WatchOutcome,
  event: Omit<ISubmissionEvent, 'phase'>,
  facts?: IRunFacts
): boolean {
  const { cell } = options;
  const finished = (success: boolean) =>
    ctx.onSubmission?.({ ...event, phase: 'finished', success });
  switch (outcome.kind) {
    case 'reply': {
      void reconcile(ctx, options, outcome, event.cellId, facts?.isNewest);
      if (outcome.status === 'ok') {
        finished(true);
        options.onCellExecuted({ cell, success: true });
        return true;
      }
      finished(false);
      const error = new KernelError(replyContent(outcome));
      ctx.stopQueue(options);
      options.onCellExecuted({ cell, success: false, error });
      throw error;
    }
    case 'cancelled':
      finished(false);
      if (outcome.reason === 'superseded') {
        // A newer run of the same cell replaced this one; it owns the cell.
        return false;
      }
      return abortQueued(options);
    case 'failed':
      return failRun(
        ctx,
        options,
        ctx.trans.__('The server could not run this cell: %1', outcome.message),
        event
      );
    case 'consumed':
      // The server no longer knows the run: it restarted (a backend that
      // keeps results keeps them until the submitting tab reads them).
      if (facts && !facts.wasRunning) {
        finished(false);
        return abortQueued(options);
      }
      return cutShort(ctx, options, 'server-restart', event, facts);
    case 'cell-deleted':
      finished(false);
      return false;
    case 'stopped': {
      finished(false);
      // The kernel restarted, died or was replaced: the server run died with
      // it and nobody else will end the `[*]`. A closed notebook is
      // different: the run goes on, so the cell is left alone.
      const model = cell.model as ICodeCellModel;
      const cause = causeOfStop(outcome.reason);
      if (
        cause &&
        facts?.wasRunning &&
        !model.isDisposed &&
        tabWritesNote(cause, { kernelNotes: facts.kernelNotes ?? 'tab' })
      ) {
        // The running cell says why it ended, in every tab.
        keepCutShort({
          notebook: options.notebook,
          model,
          cellId: event.cellId,
          message: cutShortOutput(cutShortMessage(cause, ctx.trans), ctx.trans),
          keepMs: ctx.cutShortKeepMs
        });
      }
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
async function reconcile(
  ctx: IConcludeContext,
  options: RunCellOptions,
  outcome: Extract<ExecutionOutcome, { kind: 'reply' }>,
  cellId: string,
  isNewest?: () => boolean
): Promise<void> {
  const action = await repairAfterRun(
    options.cell.model as ICodeCellModel,
    { executionCount: outcome.executionCount, outputs: outcome.outputs },
    ctx.reconcileGraceMs,
    isNewest
  );
  if (!action) {
    return;
  }
  ctx.onDivergence?.({
    notebook: options.notebook,
    cellId,
    action
  });
  if (action === 'live') {
    Notification.warning(
      ctx.trans.__(
        'A cell finished on the server, but this notebook did not receive all of its outputs. Reopen the notebook to see what the server holds, or run the cell again.'
      ),
      { autoClose: false }
    );
  } else {
    console.info(
      `@jupyterlab-handoff/extension: ${action} the outputs of cell ${cellId} from the server's final result`
    );
  }
}

/**
 * A queued cell that will not run: put its prompt back, as JupyterLab does
 * for cells after a failing one.
 */
export function abortQueued(options: RunCellOptions): boolean {
  const model = options.cell.model as ICodeCellModel;
  if (model.executionState === 'running' && model.executionCount === null) {
    model.executionState = 'idle';
  }
  const error = abortedError();
  options.onCellExecuted({ cell: options.cell, success: false, error });
  throw error;
}

/**
 * The server failed the cell: keep its outputs, add a readable error, end
 * the `[*]`, and stop the cells queued behind it.
 */
export function failRun(
  ctx: IConcludeContext,
  options: RunCellOptions,
  message: string,
  event: Omit<ISubmissionEvent, 'phase'>
): boolean {
  const model = options.cell.model as ICodeCellModel;
  const ename = ctx.trans.__('ServerExecutionError');
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
  ctx.onSubmission?.({
    ...event,
    phase: 'finished',
    success: false
  });
  const error = serverError(ename, message);
  ctx.stopQueue(options);
  options.onCellExecuted({ cell: options.cell, success: false, error });
  throw error;
}

/**
 * A run cut short by a server restart: the cell keeps (or gets back) the
 * outputs this tab showed, says what happened once, and the cells queued
 * behind it stop, as after a failure.
 */
function cutShort(
  ctx: IConcludeContext,
  options: RunCellOptions,
  cause: CutShortCause,
  event: Omit<ISubmissionEvent, 'phase'>,
  facts?: IRunFacts
): boolean {
  const message = cutShortMessage(cause, ctx.trans);
  const output = cutShortOutput(message, ctx.trans);
  keepCutShort({
    notebook: options.notebook,
    model: options.cell.model as ICodeCellModel,
    cellId: event.cellId,
    message: output,
    outputs: facts?.outputs,
    keepMs: ctx.cutShortKeepMs
  });
  ctx.onSubmission?.({ ...event, phase: 'finished', success: false });
  const error = serverError(output.ename, message);
  ctx.stopQueue(options);
  options.onCellExecuted({ cell: options.cell, success: false, error });
  throw error;
}
