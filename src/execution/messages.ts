/**
 * What the executor tells JupyterLab and the user when a run does not end
 * with a plain reply: readable errors, and the `KernelError`s JupyterLab's
 * executor contract expects.
 */
import type { KernelMessage } from '@jupyterlab/services';
import { KernelError } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import { BackendError } from '../backend/types';
import type { ExecutionOutcome, IExecutionBackend } from '../tokens';

/**
 * A sentence for a failed submission, with the server's own words.
 */
export function describeBackendError(
  reason: unknown,
  trans: TranslationBundle
): string {
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
  return trans.__('Running this cell on the server failed: %1', String(reason));
}

/**
 * The error of a queued cell that will not run (as JupyterLab's for cells
 * after a failing one).
 */
export function abortedError(): KernelError {
  return new KernelError({
    status: 'aborted',
    execution_count: null
  } as unknown as KernelMessage.IExecuteReplyMsg['content']);
}

/**
 * The error of a cell the server failed.
 */
export function serverError(ename: string, message: string): KernelError {
  return new KernelError({
    status: 'error',
    ename,
    evalue: message,
    traceback: [],
    execution_count: null
  } as unknown as KernelMessage.IExecuteReplyMsg['content']);
}

/**
 * The execute_reply content JupyterLab's `KernelError` expects, rebuilt from
 * the server's reply and its error output.
 */
export function replyContent(
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

/**
 * What to tell the user when a cell run on the server failed because it
 * called `input()` and the backend cannot pass prompts on (the kernel
 * raises `StdinNotImplementedError`, whose own words blame "this
 * frontend"), or `null` when that is not what happened.
 */
export function inputUnsupportedMessage(
  outcome: ExecutionOutcome | { kind: string },
  backend: Pick<IExecutionBackend, 'label' | 'capabilities'>,
  trans: TranslationBundle
): string | null {
  if (
    outcome.kind !== 'reply' ||
    backend.capabilities.input !== 'none' ||
    !(outcome as Extract<ExecutionOutcome, { kind: 'reply' }>).outputs.some(
      output =>
        typeof output === 'object' &&
        output !== null &&
        (output as { output_type?: unknown }).output_type === 'error' &&
        (output as { ename?: unknown }).ename === 'StdinNotImplementedError'
    )
  ) {
    return null;
  }
  return trans.__(
    'This cell asked for input (input() or getpass()), which cells run on the server cannot get on %1. To answer it, turn off "Run cells on the server" in the Settings Editor and run the cell again in this tab.',
    backend.label
  );
}
