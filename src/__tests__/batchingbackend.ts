/**
 * A server that takes several cells in one request and keeps the queue
 * itself, writing into the server's YNotebook as our jupyverse module does
 * (`jupyterlab_handoff/jupyverse/queue.py`): every queued cell `running`
 * with a `queued` mark at once, then one cell at a time `running` with a
 * `running` mark, the end (count, `idle`, the mark removed) in one update;
 * after an error or an interrupt the cells still queued are dropped (`idle`,
 * no count, no mark). No final result: only the outcome, readable for a
 * while.
 */
import type * as nbformat from '@jupyterlab/nbformat';
import type { YNotebook } from '@jupyter/ydoc';
import {
  JUPYVERSE_CAPABILITIES,
  JUPYVERSE_METADATA_KEY,
  JupyverseBackend
} from '../backend/jupyverse';
import type {
  CancelReason,
  ExecutionOutcome,
  IExecutionBackend,
  IInFlightRequest,
  ISubmission,
  ISubmitOptions,
  RequestProgress
} from '../tokens';
import { codeCell } from './fakes';

interface IQueued {
  requestId: string;
  options: ISubmitOptions;
  status: 'queued' | 'running' | 'done';
  outcome: ExecutionOutcome | null;
}

export class BatchingServer implements IExecutionBackend {
  readonly id = 'fake-batching';
  readonly label = 'the batching server';
  readonly capabilities = JUPYVERSE_CAPABILITIES;

  constructor(readonly doc: YNotebook) {}

  readCellMark = JupyverseBackend.prototype.readCellMark;
  clearCellMark = JupyverseBackend.prototype.clearCellMark;

  /** Every request, as the list of cells it carried. */
  readonly posts: ISubmitOptions[][] = [];
  readonly requests: IQueued[] = [];
  /** Called when a request arrives; throwing refuses all of its cells. */
  beforeQueue: ((cells: ISubmitOptions[]) => void) | null = null;

  /** How many cells the server received. */
  received(): number {
    return this.posts.reduce((n, cells) => n + cells.length, 0);
  }

  submit = jest.fn(
    async (options: ISubmitOptions): Promise<ISubmission> =>
      (await this.submitBatch([options]))[0]
  );

  submitBatch = jest.fn(
    async (cells: ISubmitOptions[]): Promise<ISubmission[]> => {
      this.beforeQueue?.(cells);
      this.posts.push(cells);
      const created = cells.map(options => ({
        requestId: `req-${++this._counter}`,
        options,
        status: 'queued' as const,
        outcome: null
      }));
      this.requests.push(...created);
      this.doc.transact(() => {
        for (const request of created) {
          const cell = codeCell(this.doc, request.options.cellId);
          cell.executionState = 'running';
          cell.setMetadata(
            JUPYVERSE_METADATA_KEY,
            this._mark(request, 'queued')
          );
        }
      });
      return created.map(r => ({ requestId: r.requestId }));
    }
  );

  check = jest.fn(
    async (_: string, submission: ISubmission): Promise<RequestProgress> => {
      const request = this.requests.find(
        r => r.requestId === submission.requestId
      );
      if (!request) {
        return { done: true, outcome: { kind: 'consumed' } };
      }
      if (request.status !== 'done') {
        return { done: false, status: request.status };
      }
      return { done: true, outcome: request.outcome! };
    }
  );

  listInFlight = jest.fn(
    async (kernelId: string): Promise<IInFlightRequest[]> =>
      this.requests
        .filter(r => r.status !== 'done' && r.options.kernelId === kernelId)
        .map(r => ({
          requestId: r.requestId,
          kernelId: r.options.kernelId,
          cellId: r.options.cellId,
          documentPath: r.options.documentPath,
          status: r.status as 'queued' | 'running'
        }))
  );

  /** The cells still queued, in order. */
  queued(): IQueued[] {
    return this.requests.filter(r => r.status === 'queued');
  }

  /** The kernel starts the next queued cell. */
  start(): void {
    const [request] = this.queued();
    if (!request) {
      throw new Error('nothing queued');
    }
    request.status = 'running';
    const cell = codeCell(this.doc, request.options.cellId);
    this.doc.transact(() => {
      cell.clearOutputs();
      cell.execution_count = null;
      cell.executionState = 'running';
      cell.setMetadata(JUPYVERSE_METADATA_KEY, this._mark(request, 'running'));
    });
  }

  output(output: nbformat.IOutput): void {
    const cell = codeCell(this.doc, this._running().options.cellId);
    const length = cell.youtputs.length;
    cell.updateOutputs(length, length, [output]);
  }

  /** The kernel replies; an error drops the cells queued behind. */
  finish(status: 'ok' | 'error' = 'ok'): void {
    const request = this._running();
    if (status === 'error') {
      this.output({
        output_type: 'error',
        ename: 'ZeroDivisionError',
        evalue: 'division by zero',
        traceback: []
      });
    }
    const count = ++this._count;
    this._end(
      request,
      { kind: 'reply', status, executionCount: count, outputs: [] },
      count
    );
    if (status !== 'ok') {
      this.drop(
        'previous-failed',
        'A cell before it failed, so it was not run.'
      );
    }
  }

  /** An interrupt: the queue is dropped, the running cell fails. */
  interrupt(): void {
    this.drop('cancelled', 'The kernel was interrupted.');
    this.output({
      output_type: 'error',
      ename: 'KeyboardInterrupt',
      evalue: '',
      traceback: []
    });
    this.finish('error');
  }

  /**
   * Drop every queued cell without running it. `writeDocument: false`
   * leaves the document as it was (the write never reached the tab).
   */
  drop(
    reason: CancelReason,
    message: string,
    options: { writeDocument?: boolean } = {}
  ): void {
    for (const request of this.queued()) {
      this._end(
        request,
        { kind: 'cancelled', reason, message },
        null,
        options.writeDocument !== false
      );
    }
  }

  private _end(
    request: IQueued,
    outcome: ExecutionOutcome,
    count: number | null,
    write = true
  ): void {
    request.status = 'done';
    request.outcome = outcome;
    if (!write) {
      return;
    }
    const cell = codeCell(this.doc, request.options.cellId);
    this.doc.transact(() => {
      cell.execution_count = count;
      cell.executionState = 'idle';
      cell.deleteMetadata(JUPYVERSE_METADATA_KEY);
    });
  }

  private _running(): IQueued {
    const running = this.requests.find(r => r.status === 'running');
    if (!running) {
      throw new Error('nothing running');
    }
    return running;
  }

  private _mark(request: IQueued, state: string) {
    return {
      requestId: request.requestId,
      kernelId: request.options.kernelId,
      state
    };
  }

  private _count = 0;
  private _counter = 0;
}
