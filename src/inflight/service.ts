/**
 * Follows every open notebook in the in-flight model: its document, its
 * kernel, the server's listings (through the one listing poller) and this
 * tab's submissions. What the server supports comes from the backend
 * registry's decision.
 */
import type { ISharedCodeCell } from '@jupyter/ydoc';
import { PathExt } from '@jupyterlab/coreutils';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { Kernel } from '@jupyterlab/services';
import type { CommandRegistry } from '@lumino/commands';
import { Signal } from '@lumino/signaling';
import type { ListingPoller } from '../server/poller';
import type {
  BackendDecision,
  ICellDescription,
  IExecutionBackend,
  IExecutionBackendRegistry,
  IInFlightExecutions,
  IServerExecution,
  ServerSupport
} from '../tokens';
import { ForeignRuns } from '../foreign/runs';
import type { IInFlightEntry, IInFlightView } from '../tokens';
import { InFlightModel } from './model';
import { UnseenCells } from './unseen';

export interface IInFlightServiceOptions {
  service: Pick<IServerExecution, 'submissions'>;
  backends: IExecutionBackendRegistry;
  poller: ListingPoller;
  tracker: INotebookTracker;
  commands: Pick<CommandRegistry, 'commandExecuted'>;
  /** Show a widget (`app.shell.activateById`). */
  activate: (id: string) => void;
  /**
   * A kernel's `execution_state` from its REST model (after a reload the
   * websocket misses the first `busy` of a run already going).
   */
  readKernelState?: (kernelId: string) => Promise<string | null | undefined>;
}

/**
 * JupyterLab's commands that interrupt the current notebook's kernel.
 */
const INTERRUPT_COMMANDS = new Set([
  'notebook:interrupt-kernel',
  'kernelmenu:interrupt'
]);

export class InFlightService implements IInFlightExecutions {
  constructor(options: IInFlightServiceOptions) {
    const { service, backends, poller, tracker, commands } = options;
    this._tracker = tracker;
    this._activate = options.activate;
    this._backends = backends;
    this._poller = poller;
    poller.listed.connect((_, { kernelId, requests }) =>
      this.model.applyListing(kernelId, requests)
    );
    this.model.listingNeeded.connect((_, kernelId) => poller.refresh(kernelId));
    backends.decided.connect((_, decision) => this._onDecision(decision));
    if (backends.decision) {
      this._onDecision(backends.decision);
    }
    service.submissions.connect((_, event) => {
      const panel = this._tracker.find(
        candidate => candidate.context.model === event.notebook
      );
      const key = panel ? this.keyOf(panel) : null;
      if (key) {
        this.model.applySubmission({
          key,
          cellId: event.cellId,
          kernelId: event.kernelId,
          requestId: event.requestId,
          phase: event.phase,
          status: event.status
        });
      }
    });
    commands.commandExecuted.connect((_, { id }) => {
      if (!INTERRUPT_COMMANDS.has(id)) {
        return;
      }
      const kernelId =
        this._tracker.currentWidget?.sessionContext.session?.kernel?.id;
      if (kernelId) {
        this.model.interrupted(kernelId);
      }
    });
    this._foreign = new ForeignRuns<IInFlightEntry>({
      model: this.model,
      kernelOf: key =>
        this.panelOf(key)?.sessionContext.session?.kernel?.id ?? null,
      keys: () => [...new Set(this._keys.values())],
      cellsOf: key => {
        const cells = new Map<string, { source: string }>();
        for (const cell of this.panelOf(key)?.model?.sharedModel.cells ?? []) {
          if (!cells.has(cell.getId())) {
            cells.set(cell.getId(), cell);
          }
        }
        return cells;
      },
      cellsWithCode: (key, code) =>
        (this.panelOf(key)?.model?.sharedModel.cells ?? [])
          .filter(cell => cell.cell_type === 'code' && cell.source === code)
          .map(cell => cell.getId()),
      readState: options.readKernelState ?? (async () => null)
    });
    this.withForeign = this._foreign.model;
    tracker.widgetAdded.connect((_, panel) => void this._follow(panel));
    tracker.forEach(panel => void this._follow(panel));
  }

  readonly model = new InFlightModel();
  readonly withForeign: IInFlightView;
  readonly unseen = new UnseenCells();
  readonly notebookAdded: Signal<IInFlightExecutions, NotebookPanel> =
    new Signal<IInFlightExecutions, NotebookPanel>(this);
  readonly disconnected: Signal<IInFlightExecutions, NotebookPanel> =
    new Signal<IInFlightExecutions, NotebookPanel>(this);
  readonly reconnected: Signal<IInFlightExecutions, NotebookPanel> = new Signal<
    IInFlightExecutions,
    NotebookPanel
  >(this);

  get support(): ServerSupport {
    return this._support;
  }

  get supportChanged(): Signal<IInFlightExecutions, ServerSupport> {
    return this._supportChanged;
  }

  keyOf(panel: NotebookPanel): string | null {
    return this._keys.get(panel) ?? null;
  }

  panelOf(key: string): NotebookPanel | null {
    const panels = this.panelsOf(key);
    const current = this._tracker.currentWidget;
    return current && panels.includes(current) ? current : (panels[0] ?? null);
  }

  panelsOf(key: string): NotebookPanel[] {
    return [...this._keys]
      .filter(([panel, panelKey]) => panelKey === key && !panel.isDisposed)
      .map(([panel]) => panel);
  }

  describe(key: string, cellId: string): ICellDescription | null {
    const panel = this.panelOf(key);
    if (!panel?.model) {
      return null;
    }
    const cells = panel.model.sharedModel.cells;
    const index = cells.findIndex(cell => cell.getId() === cellId);
    if (index < 0) {
      return null;
    }
    const firstLine =
      cells[index].source.split('\n').find(line => line.trim() !== '') ?? '';
    return {
      notebookName: PathExt.basename(panel.context.localPath),
      notebookPath: panel.context.localPath,
      kernelName: panel.sessionContext.kernelDisplayName,
      index,
      firstLine
    };
  }

  clearStale(key?: string): number {
    const cleared = this.model.clearStale(key);
    for (const { key: notebookKey, cellId } of cleared) {
      const shared = this.panelOf(notebookKey)?.model?.sharedModel;
      const cell = shared?.cells.find(
        candidate => candidate.getId() === cellId
      );
      if (!shared || !cell || cell.cell_type !== 'code') {
        continue;
      }
      shared.transact(() => {
        (cell as ISharedCodeCell).executionState = 'idle';
        this._backend?.clearCellMark?.(cell as ISharedCodeCell);
      });
    }
    return cleared.length;
  }

  async interrupt(kernelId: string): Promise<void> {
    const panel = this._tracker.find(
      candidate => candidate.sessionContext.session?.kernel?.id === kernelId
    );
    const kernel = panel?.sessionContext.session?.kernel;
    if (!kernel) {
      throw new Error(`No open notebook runs on kernel ${kernelId}`);
    }
    await kernel.interrupt();
    this.model.interrupted(kernelId);
  }

  async jumpTo(key: string, cellId: string): Promise<boolean> {
    const panel = this.panelOf(key);
    if (!panel) {
      return false;
    }
    const notebook = panel.content;
    const index = notebook.widgets.findIndex(cell => cell.model.id === cellId);
    if (index < 0) {
      return false;
    }
    this._activate(panel.id);
    notebook.deselectAll();
    notebook.activeCellIndex = index;
    notebook.mode = 'command';
    await notebook.scrollToCell(notebook.widgets[index], 'center');
    notebook.activate();
    this.unseen.seen(key, cellId);
    return true;
  }

  private async _follow(panel: NotebookPanel): Promise<void> {
    await panel.context.ready;
    if (panel.isDisposed || this._keys.has(panel) || !panel.model) {
      return;
    }
    const { context, sessionContext } = panel;
    let key = context.path;
    this._keys.set(panel, key);
    const kernelId = () => sessionContext.session?.kernel?.id ?? null;
    const handle = this.model.addNotebook(
      key,
      panel.model.sharedModel,
      kernelId()
    );

    let followed: Kernel.IKernelConnection | null = null;
    let foreign: { dispose(): void } | null = null;
    let listing: { dispose(): void } | null = null;
    const followKernel = () => {
      const kernel = sessionContext.session?.kernel ?? null;
      if (kernel === followed) {
        return;
      }
      followed = kernel;
      this.model.setKernel(key, kernel?.id ?? null);
      foreign?.dispose();
      foreign = kernel ? this._foreign.follow(kernel) : null;
      listing?.dispose();
      listing = kernel ? this._poller.follow(kernel.id) : null;
      if (kernel) {
        this.model.setKernelStatus(kernel.id, kernel.status);
        // The poller reads only once the backend is known: ask right after.
        const id = kernel.id;
        void this._backends.decide(id).then(
          () => this._poller.refresh(id, true),
          () => undefined
        );
      }
    };
    // Only a connection lost after it was up is a reconnect; the first
    // connection of a page that just opened is not.
    let lost = false;
    let connected =
      sessionContext.session?.kernel?.connectionStatus === 'connected';
    const onConnection = (_: unknown, status: Kernel.ConnectionStatus) => {
      const id = kernelId();
      if (status === 'connected' && !connected) {
        connected = true;
        return;
      }
      if (status !== 'connected') {
        if (connected && !lost) {
          lost = true;
          this.disconnected.emit(panel);
        }
        return;
      }
      if (lost && id) {
        lost = false;
        // The server may have restarted, or been replaced: decide again.
        this._backends.reset();
        this._poller.reset(id);
        void this._backends.decide(id).then(
          () => this._poller.refresh(id, true),
          () => undefined
        );
        this.reconnected.emit(panel);
      }
    };
    const onStatus = (_: unknown, status: Kernel.Status) => {
      const id = kernelId();
      if (id) {
        this.model.setKernelStatus(id, status);
      }
    };
    const onPath = (_: unknown, path: string) => {
      this.model.renameNotebook(key, path);
      this.unseen.rename(key, path);
      key = path;
      this._keys.set(panel, key);
    };
    sessionContext.kernelChanged.connect(followKernel);
    sessionContext.statusChanged.connect(onStatus);
    sessionContext.connectionStatusChanged.connect(onConnection);
    context.pathChanged.connect(onPath);
    followKernel();
    void sessionContext.ready.then(followKernel);

    panel.disposed.connect(() => {
      sessionContext.kernelChanged.disconnect(followKernel);
      sessionContext.statusChanged.disconnect(onStatus);
      sessionContext.connectionStatusChanged.disconnect(onConnection);
      context.pathChanged.disconnect(onPath);
      this._keys.delete(panel);
      handle.dispose();
      foreign?.dispose();
      listing?.dispose();
      if (this.panelsOf(key).length === 0) {
        this.unseen.forget(key);
      }
    });
    this.notebookAdded.emit(panel);
  }

  private _onDecision(decision: BackendDecision): void {
    this._backend = decision.kind === 'backend' ? decision.backend : null;
    const backend = this._backend;
    this.model.resync(cell => backend?.readCellMark?.(cell) ?? null);
    let support: ServerSupport;
    switch (decision.kind) {
      case 'backend':
        support = { kind: 'backend', label: decision.backend.label };
        break;
      case 'unsupported':
        support = { kind: 'unsupported', label: decision.label };
        break;
      default:
        support = { kind: 'none' };
    }
    this._support = support;
    this._supportChanged.emit(support);
    if (backend) {
      for (const panel of this._keys.keys()) {
        const id = panel.sessionContext.session?.kernel?.id;
        if (id) {
          this._poller.refresh(id, true);
        }
      }
    }
  }

  private _tracker: INotebookTracker;
  private _activate: (id: string) => void;
  private _backends: IExecutionBackendRegistry;
  private _poller: ListingPoller;
  private _backend: IExecutionBackend | null = null;
  private _support: ServerSupport = { kind: 'checking' };
  private _supportChanged = new Signal<IInFlightExecutions, ServerSupport>(
    this
  );
  private _keys = new Map<NotebookPanel, string>();
  private _foreign: ForeignRuns<IInFlightEntry>;
}
