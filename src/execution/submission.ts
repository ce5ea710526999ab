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
}

/** A cell submitted in an earlier cell's request, waiting for its turn. */
export interface IBatchedCell extends IPreparedCell {
  submission: Promise<ISubmission>;
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
  const watch = new ExecutionWatch({
    backend,
    poller,
    kernelId,
    notebook: options.notebook.sharedModel as ISharedNotebook,
    cellId,
    onStatus: status => {
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
  prepared: Pick<IPreparedCell, 'backend' | 'watch' | 'event'>,
  submission: ISubmission
): Promise<boolean> {
  const { watch, event } = prepared;
  event.requestId = submission.requestId;
  ctx.onSubmission?.({ ...event, phase: 'accepted' });
  watch.accepted(submission);
  const release = followLifecycle(sessionContext, watch);
  let outcome: WatchOutcome;
  try {
    outcome = await watch.done;
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
  return conclude(ctx, options, outcome, event);
}
