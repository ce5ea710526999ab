/**
 * A backend that exists only in the test suite, with the poorest contract
 * the core must handle: no submission ids, no listing, `busy` instead of
 * `running` in the document, completion only in the document, one cell at
 * a time (the queue lives in the tab). It writes into the server's YNotebook
 * the way jupyverse does: outputs cleared and `busy` in two updates, the
 * count not reset, then count and `idle` in one update.
 */
import type * as nbformat from '@jupyterlab/nbformat';
import type { YNotebook } from '@jupyter/ydoc';
import type {
  IBackendCapabilities,
  IExecutionBackend,
  ISubmission,
  ISubmitOptions
} from '../tokens';
import { codeCell } from './fakes';

export const POOREST: IBackendCapabilities = Object.freeze({
  submissionIds: false,
  queue: 'tab',
  listing: false,
  documentState: 'busy',
  input: 'none',
  batch: false,
  finalResult: false,
  kernelNotes: 'tab'
});

export class PoorestServer implements IExecutionBackend {
  readonly id = 'poorest';
  readonly label = 'the poorest server';
  readonly capabilities = POOREST;

  constructor(readonly doc: YNotebook) {}

  /** Every submission, in order; `done` once its end was written. */
  readonly submitted: Array<ISubmitOptions & { done: boolean }> = [];
  /** More than one cell was in the server's hands at once. */
  overlapped = false;

  submit = jest.fn(async (options: ISubmitOptions): Promise<ISubmission> => {
    if (this.pending().length > 0) {
      this.overlapped = true;
    }
    this.submitted.push({ ...options, done: false });
    return { requestId: null };
  });

  /** Submissions not over yet. */
  pending(): Array<ISubmitOptions & { done: boolean }> {
    return this.submitted.filter(s => !s.done);
  }

  /** The kernel starts the oldest pending cell. */
  start(): string {
    const [next] = this.pending();
    if (!next) {
      throw new Error('nothing submitted');
    }
    const cell = codeCell(this.doc, next.cellId);
    this.doc.transact(() => cell.clearOutputs());
    this.doc.transact(() => {
      cell.executionState = 'busy' as any;
    });
    return next.cellId;
  }

  output(output: nbformat.IOutput): void {
    const cell = codeCell(this.doc, this.pending()[0].cellId);
    const length = cell.youtputs.length;
    cell.updateOutputs(length, length, [output]);
  }

  /** The kernel replies: count and idle in one update. */
  finish(status: 'ok' | 'error' = 'ok'): void {
    const next = this.pending()[0];
    const cell = codeCell(this.doc, next.cellId);
    if (status === 'error') {
      this.output({
        output_type: 'error',
        ename: 'ZeroDivisionError',
        evalue: 'division by zero',
        traceback: []
      });
    }
    next.done = true;
    this._count++;
    this.doc.transact(() => {
      cell.execution_count = this._count;
      cell.executionState = 'idle';
    });
  }

  private _count = 0;
}
