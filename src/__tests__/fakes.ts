/**
 * Test doubles shared by the executor and execution-watch tests: an
 * in-memory execution server that writes into a YNotebook the way
 * jupyter-server-nbmodel does, and a pair of YNotebooks synced in memory.
 */
import type * as nbformat from '@jupyterlab/nbformat';
import { YCodeCell, YNotebook } from '@jupyter/ydoc';
import * as Y from 'yjs';
import {
  NbmodelBackend,
  NBMODEL_CAPABILITIES,
  NBMODEL_METADATA_KEY
} from '../backend/nbmodel';
import type {
  CancelReason,
  ExecutionOutcome,
  IBackendCapabilities,
  IExecutionBackend,
  IInFlightRequest,
  ISubmission,
  ISubmitOptions,
  RequestProgress,
  RequestStatus
} from '../backend/types';

/** A promise with its resolver and rejecter. */
export interface IDeferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T = void>(): IDeferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/**
 * Wait until `condition` holds, polling on real timers.
 */
export async function until(
  condition: () => boolean,
  what = 'condition',
  timeoutMs = 3000
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(5);
  }
}

/**
 * Follow a promise's state without awaiting it.
 */
export function track<T>(promise: Promise<T>): {
  readonly state: 'pending' | 'resolved' | 'rejected';
  readonly value: T | undefined;
  readonly error: unknown;
} {
  const tracked = {
    state: 'pending' as 'pending' | 'resolved' | 'rejected',
    value: undefined as T | undefined,
    error: undefined as unknown
  };
  promise.then(
    value => {
      tracked.state = 'resolved';
      tracked.value = value;
    },
    error => {
      tracked.state = 'rejected';
      tracked.error = error;
    }
  );
  return tracked;
}

const REMOTE = Symbol('remote');

/**
 * Sync two YNotebooks in memory, both ways, update by update. Returns the
 * updates sent from `a` to `b`, so a test can count transactions.
 */
export function syncDocs(a: YNotebook, b: YNotebook): Uint8Array[] {
  const fromA: Uint8Array[] = [];
  Y.applyUpdate(a.ydoc, Y.encodeStateAsUpdate(b.ydoc), REMOTE);
  Y.applyUpdate(b.ydoc, Y.encodeStateAsUpdate(a.ydoc), REMOTE);
  a.ydoc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== REMOTE) {
      fromA.push(update);
      Y.applyUpdate(b.ydoc, update, REMOTE);
    }
  });
  b.ydoc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== REMOTE) {
      Y.applyUpdate(a.ydoc, update, REMOTE);
    }
  });
  return fromA;
}

/** A notebook of code cells with the given ids. */
export function notebookWithCells(ids: string[]): YNotebook {
  const notebook = new YNotebook();
  notebook.insertCells(
    0,
    ids.map(id => ({ cell_type: 'code', id, source: `print("${id}")` }))
  );
  return notebook;
}

/**
 * What a tab writes before it runs a cell (our executor, or stock mode): no
 * outputs, no count, `[*]`, in one transaction.
 */
export function markRunning(notebook: YNotebook, id: string): void {
  const cell = codeCell(notebook, id);
  notebook.transact(() => {
    cell.clearOutputs(null);
    cell.execution_count = null;
    cell.executionState = 'running';
  });
}

/** Submit a cell the way the executor does: `[*]` first, then the POST. */
export function submitLikeExecutor(
  notebook: YNotebook,
  server: FakeServer,
  cellId: string
): Promise<{ requestId: string; requestPath: string }> {
  markRunning(notebook, cellId);
  return server.submit({
    kernelId: 'k1',
    code: codeCell(notebook, cellId).getSource(),
    cellId,
    documentId: 'json:notebook:abc',
    documentPath: 'nb.ipynb',
    recordTiming: false
  });
}

export function codeCell(notebook: YNotebook, id: string): YCodeCell {
  const cell = notebook.cells.find(c => c.getId() === id);
  if (!cell) {
    throw new Error(`no cell ${id}`);
  }
  return cell as YCodeCell;
}

export interface IFakeRequest {
  requestId: string;
  options: ISubmitOptions;
  status: RequestStatus;
  /** The final result, once there is one (it is then no longer listed). */
  result: ExecutionOutcome | null;
  /** Whether the result was handed out already (nbmodel hands it out once). */
  read: boolean;
}

/**
 * An execution server in memory: `submit` queues, the test runs requests
 * one at a time, and the server writes into its own YNotebook as
 * jupyter-server-nbmodel does.
 */
export class FakeServer implements IExecutionBackend {
  readonly id = 'fake-nbmodel';
  readonly label = 'fake nbmodel';
  // It does not serve stdin prompts (nbmodel does through our server part),
  // nor write kernel notes unless told to (`cutShort`, as kernelcuts.py).
  readonly capabilities: IBackendCapabilities;

  constructor(
    readonly doc: YNotebook,
    capabilities: Partial<IBackendCapabilities> = {}
  ) {
    this.capabilities = {
      ...NBMODEL_CAPABILITIES,
      input: 'none',
      kernelNotes: 'tab',
      ...capabilities
    };
  }

  /** nbmodel's own reading of its marks. */
  readCellMark = NbmodelBackend.prototype.readCellMark;
  clearCellMark = NbmodelBackend.prototype.clearCellMark;

  /** The options of every submit call, in call order. */
  readonly submitted: ISubmitOptions[] = [];
  readonly requests = new Map<string, IFakeRequest>();

  /**
   * Called when a POST reaches the server, after the request was queued
   * there; the 202 goes back once it resolves, and it may throw instead.
   */
  beforeAccept:
    ((options: ISubmitOptions, index: number) => Promise<void> | void) | null =
    null;

  /** Called before a POST is queued; throwing refuses it. */
  beforeQueue: ((options: ISubmitOptions, index: number) => void) | null = null;

  submit = jest.fn(async (options: ISubmitOptions) => {
    const index = this.submitted.push(options) - 1;
    this.beforeQueue?.(options, index);
    const requestId = `req-${++this._counter}`;
    this.requests.set(requestId, {
      requestId,
      options,
      status: 'queued',
      result: null,
      read: false
    });
    await this.beforeAccept?.(options, index);
    return { requestId, requestPath: `api/requests/${requestId}` };
  });

  check = jest.fn(
    async (
      kernelId: string,
      submission: ISubmission
    ): Promise<RequestProgress> => {
      const request = this.requests.get(submission.requestId ?? '');
      if (!request || request.read) {
        return { done: true, outcome: { kind: 'consumed' } };
      }
      if (request.result) {
        request.read = true;
        return { done: true, outcome: request.result };
      }
      return { done: false, status: request.status };
    }
  );

  listInFlight = jest.fn(
    async (kernelId: string): Promise<IInFlightRequest[]> =>
      [...this.requests.values()]
        .filter(r => !r.result && r.options.kernelId === kernelId)
        .map(r => ({
          requestId: r.requestId,
          kernelId: r.options.kernelId,
          cellId: r.options.cellId,
          documentPath: r.options.documentPath,
          status: r.status
        }))
  );

  /** The request submitted for a cell (the last one). */
  requestFor(cellId: string): IFakeRequest {
    const found = [...this.requests.values()]
      .reverse()
      .find(r => r.options.cellId === cellId);
    if (!found) {
      throw new Error(`no request for ${cellId}`);
    }
    return found;
  }

  /** The requests still waiting, in order. */
  queued(): IFakeRequest[] {
    return [...this.requests.values()].filter(
      r => !r.result && r.status === 'queued'
    );
  }

  /**
   * The worker picks the request up: in one transaction, clear the outputs,
   * reset the count and mark the cell running.
   */
  start(requestId: string): void {
    const request = this._get(requestId);
    request.status = 'running';
    const cell = codeCell(this.doc, request.options.cellId);
    this.doc.transact(() => {
      cell.clearOutputs();
      cell.execution_count = null;
      cell.executionState = 'running';
      // The mark nbmodel leaves while it runs a request.
      cell.setMetadata(NBMODEL_METADATA_KEY, {
        requestId,
        kernelId: request.options.kernelId
      });
    });
  }

  /** The kernel publishes an output. */
  output(requestId: string, output: nbformat.IOutput): void {
    const request = this._get(requestId);
    const cell = codeCell(this.doc, request.options.cellId);
    const length = cell.youtputs.length;
    cell.updateOutputs(length, length, [output]);
  }

  /**
   * The kernel replied: write the count and idle in one transaction, and
   * keep the result for whoever reads it first. An error reply cancels the
   * requests queued behind it, as nbmodel does.
   */
  finish(
    requestId: string,
    status: 'ok' | 'error' = 'ok',
    options: { writeDocument?: boolean } = {}
  ): number {
    const request = this._get(requestId);
    const count = ++this._executionCount;
    const cell = codeCell(this.doc, request.options.cellId);
    const outputs = cell.getOutputs();
    request.result = {
      kind: 'reply',
      status,
      executionCount: count,
      outputs
    };
    if (options.writeDocument !== false) {
      this.doc.transact(() => {
        cell.execution_count = count;
        cell.executionState = 'idle';
        cell.deleteMetadata(NBMODEL_METADATA_KEY);
      });
    }
    if (status === 'error') {
      for (const queued of this.queued()) {
        this.cancel(
          queued.requestId,
          'previous-failed',
          'Execution cancelled because a previous queued request failed.'
        );
      }
    }
    return count;
  }

  /** Run a request start to end, with one stream output. */
  run(requestId: string, text = 'ok\n'): number {
    this.start(requestId);
    this.output(requestId, { output_type: 'stream', name: 'stdout', text });
    return this.finish(requestId);
  }

  /**
   * Our server part cuts the running request short (a kernel restart or
   * death): in one transaction the note, idle, no count, no mark; the
   * result is an error holding the cell's outputs; the queue is dropped.
   */
  cutShort(requestId: string, message: string): void {
    const request = this._get(requestId);
    const cell = codeCell(this.doc, request.options.cellId);
    const length = cell.youtputs.length;
    this.doc.transact(() => {
      cell.updateOutputs(length, length, [
        {
          output_type: 'error',
          ename: 'RunCutShort',
          evalue: message,
          traceback: [`RunCutShort: ${message}`]
        }
      ]);
      cell.execution_count = null;
      cell.executionState = 'idle';
      cell.deleteMetadata(NBMODEL_METADATA_KEY);
    });
    request.result = {
      kind: 'reply',
      status: 'error',
      executionCount: null,
      outputs: cell.getOutputs()
    };
    for (const queued of this.queued()) {
      this.cancel(
        queued.requestId,
        'previous-failed',
        'Execution cancelled because a previous queued request failed.'
      );
    }
  }

  /** Drop a request without running it. */
  cancel(requestId: string, reason: CancelReason, message: string): void {
    this._get(requestId).result = { kind: 'cancelled', reason, message };
  }

  /** Fail a request (a 500 that is not a cancellation). */
  fail(requestId: string, message: string): void {
    this._get(requestId).result = { kind: 'failed', message };
  }

  private _get(requestId: string): IFakeRequest {
    const request = this.requests.get(requestId);
    if (!request) {
      throw new Error(`no request ${requestId}`);
    }
    return request;
  }

  private _counter = 0;
  private _executionCount = 0;
}

/**
 * Drop yjs's "Invalid access" warning, which @jupyter/ydoc triggers itself
 * whenever cells are created, so the test output shows what matters.
 * Call at the top of a test file.
 */
export function quietYjsWarnings(): void {
  let original: typeof console.warn;
  beforeAll(() => {
    original = console.warn;
    console.warn = (...args: unknown[]) => {
      if (args.some(arg => String(arg).includes('Invalid access: Add Yjs'))) {
        return;
      }
      original(...args);
    };
  });
  afterAll(() => {
    console.warn = original;
  });
}
