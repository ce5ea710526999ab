/**
 * The executor under test, wired to a tab and a fake server: a tab YNotebook
 * with real cell models, synced in memory with the server's YNotebook, which
 * the fake backend writes as jupyter-server-nbmodel does.
 */
import type { YCodeCell } from '@jupyter/ydoc';
import { YNotebook } from '@jupyter/ydoc';
import {
  CodeCellModel,
  MarkdownCellModel,
  type ICellModel
} from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import { KernelError, type INotebookCellExecutor } from '@jupyterlab/notebook';
import { Signal } from '@lumino/signaling';
import {
  HandoffExecutor,
  type IHandoffExecutorOptions
} from '../execution/executor';
import { ListingPoller } from '../server/poller';
import { DEFAULT_SETTINGS, type IHandoffSettings } from '../settings';
import type {
  BackendDecision,
  IBackendCapabilities,
  IExecutionBackend,
  ISubmissionEvent
} from '../tokens';
import { FakeServer, syncDocs, track } from './fakes';
import { holdableSync } from './outputfakes';

export type RunCellOptions = INotebookCellExecutor.IRunCellOptions;

export interface ICellSpec {
  id: string;
  source?: string;
  type?: 'code' | 'markdown';
  outputs?: nbformat.IOutput[];
  execution_count?: number | null;
  tags?: string[];
}

export interface IFakeCell {
  model: ICellModel;
  outputHidden: boolean;
  isDisposed: boolean;
}

export const STALE_OUTPUT: nbformat.IOutput = {
  output_type: 'stream',
  name: 'stdout',
  text: 'old\n'
};

export function setupExecutor(
  specs: ICellSpec[] = [
    {
      id: 'c1',
      source: 'print(1)',
      outputs: [STALE_OUTPUT],
      execution_count: 2
    }
  ],
  options: {
    documentId?: string | null;
    executor?: Partial<IHandoffExecutorOptions>;
    /** Another backend on the server's document (default: the fake nbmodel). */
    backend?: (serverDoc: YNotebook) => IExecutionBackend;
    /** Capabilities the fake nbmodel declares besides its own. */
    capabilities?: Partial<IBackendCapabilities>;
    /** Sync the tab and the server through a sync the test can hold back. */
    holdable?: boolean;
  } = {}
) {
  const serverDoc = new YNotebook();
  serverDoc.insertCells(
    0,
    specs.map(spec =>
      spec.type === 'markdown'
        ? {
            cell_type: 'markdown' as const,
            id: spec.id,
            source: spec.source ?? '# title'
          }
        : {
            cell_type: 'code' as const,
            id: spec.id,
            source: spec.source ?? `x = '${spec.id}'`,
            outputs: spec.outputs ?? [],
            execution_count: spec.execution_count ?? null,
            metadata: spec.tags ? { tags: spec.tags } : {}
          }
    )
  );
  // As the docprovider creates it (document-wide undo off by default).
  const tabDoc = new YNotebook({ disableDocumentWideUndoRedo: true });
  const sync = options.holdable ? holdableSync(tabDoc, serverDoc) : null;
  const tabUpdates = sync ? [] : syncDocs(tabDoc, serverDoc);
  const documentId =
    options.documentId === undefined ? 'json:notebook:abc' : options.documentId;
  if (documentId) {
    tabDoc.setState('document_id', documentId);
  }

  const server = new FakeServer(serverDoc, options.capabilities);
  const backend = options.backend?.(serverDoc) ?? server;
  const poller = new ListingPoller({
    backend: () => backend,
    minMs: 10,
    maxMs: 20,
    standby: 'never'
  });
  // The registry's decision for this server (its probe has its own tests).
  const backends = {
    decide: jest.fn(async (_kernelId?: string): Promise<BackendDecision> => ({
      kind: 'backend',
      backend
    }))
  };
  const settings: {
    ready: Promise<void>;
    current: IHandoffSettings;
  } = {
    ready: Promise.resolve(),
    current: { ...DEFAULT_SETTINGS }
  };
  const clientRunCell = jest.fn(async (_: RunCellOptions) => true);
  const onFallback = jest.fn();
  const submissions: ISubmissionEvent[] = [];
  const executor = new HandoffExecutor({
    backends,
    poller,
    settings,
    clientRunCell,
    onFallback,
    onSubmission: event => submissions.push(event),
    documentIdTimeoutMs: 50,
    // Reconcile quickly, so nothing waits after a test ends.
    reconcileGraceMs: 100,
    ...options.executor
  });

  const notebook = {
    sharedModel: tabDoc,
    collaborative: true,
    deletedCells: [] as string[]
  };
  const sessionContext = {
    isTerminating: false,
    pendingInput: false,
    hasNoKernel: false,
    isReady: true,
    ready: Promise.resolve(),
    session: {
      kernel: { id: 'k1' } as { id: string } | null,
      path: 'nb.ipynb'
    },
    path: 'nb.ipynb',
    statusChanged: new Signal<any, string>({}),
    sessionChanged: new Signal<any, unknown>({}),
    kernelChanged: new Signal<any, unknown>({}),
    disposed: new Signal<any, void>({})
  };
  const cells: IFakeCell[] = tabDoc.cells.map(shared => ({
    model:
      shared.cell_type === 'code'
        ? new CodeCellModel({ sharedModel: shared as YCodeCell })
        : new MarkdownCellModel({ sharedModel: shared as any }),
    outputHidden: true,
    isDisposed: false
  }));

  function run(index: number, extra: Partial<RunCellOptions> = {}) {
    const onCellExecuted = jest.fn();
    const onCellExecutionScheduled = jest.fn();
    const runOptions = {
      cell: cells[index],
      notebook,
      notebookConfig: { recordTiming: false },
      onCellExecuted,
      onCellExecutionScheduled,
      sessionContext,
      ...extra
    } as unknown as RunCellOptions;
    const promise = executor.runCell(runOptions);
    return {
      promise,
      result: track(promise),
      onCellExecuted,
      onCellExecutionScheduled,
      options: runOptions
    };
  }

  function model(index: number): CodeCellModel {
    return cells[index].model as CodeCellModel;
  }

  return {
    serverDoc,
    tabDoc,
    tabUpdates,
    sync,
    server,
    backend,
    backends,
    poller,
    settings,
    clientRunCell,
    onFallback,
    submissions,
    executor,
    notebook,
    sessionContext,
    cells,
    run,
    model,
    dispose: () => {
      poller.dispose();
      cells.forEach(cell => cell.model.dispose());
      tabDoc.dispose();
      serverDoc.dispose();
    }
  };
}

export type ExecutorHarness = ReturnType<typeof setupExecutor>;

/**
 * The KernelError a runCell promise rejects with.
 */
export async function rejectionOf(
  promise: Promise<unknown>
): Promise<KernelError> {
  try {
    await promise;
  } catch (reason) {
    expect(reason).toBeInstanceOf(KernelError);
    return reason as KernelError;
  }
  throw new Error('expected runCell to throw');
}
