/**
 * Follows every open notebook in the in-flight model: its document, its
 * kernel, the server's listings and this tab's submissions.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import type { ISharedCodeCell } from '@jupyter/ydoc';
import { PathExt } from '@jupyterlab/coreutils';
import { INotebookTracker, type NotebookPanel } from '@jupyterlab/notebook';
import type { Kernel } from '@jupyterlab/services';
import { Signal } from '@lumino/signaling';
import { ListingReader } from '../inflight/listings';
import { InFlightModel, NBMODEL_METADATA_KEY } from '../inflight/model';
import { UnseenCells } from '../inflight/unseen';
import {
  IInFlightExecutions,
  IServerExecution,
  type ICellDescription
} from '../tokens';

/**
 * JupyterLab's commands that interrupt the current notebook's kernel.
 */
const INTERRUPT_COMMANDS = new Set([
  'notebook:interrupt-kernel',
  'kernelmenu:interrupt'
]);

class InFlightExecutions implements IInFlightExecutions {
  constructor(
    private readonly _app: JupyterFrontEnd,
    service: IServerExecution,
    private readonly _tracker: INotebookTracker
  ) {
    this._reader = new ListingReader({
      model: this.model,
      backend: service.backend
    });
    service.monitor.listed.connect((_, { kernelId, requests }) =>
      this.model.applyListing(kernelId, requests)
    );
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
    _app.commands.commandExecuted.connect((_, { id }) => {
      if (!INTERRUPT_COMMANDS.has(id)) {
        return;
      }
      const kernelId =
        this._tracker.currentWidget?.sessionContext.session?.kernel?.id;
      if (kernelId) {
        this.model.interrupted(kernelId);
      }
    });
    _tracker.widgetAdded.connect((_, panel) => void this._follow(panel));
    _tracker.forEach(panel => void this._follow(panel));
  }

  readonly model = new InFlightModel();
  readonly unseen = new UnseenCells();
  readonly notebookAdded: Signal<IInFlightExecutions, NotebookPanel> =
    new Signal(this);
  readonly disconnected: Signal<IInFlightExecutions, NotebookPanel> =
    new Signal(this);
  readonly reconnected: Signal<IInFlightExecutions, NotebookPanel> = new Signal(
    this
  );

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
        cell.deleteMetadata(NBMODEL_METADATA_KEY);
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
    this._app.shell.activateById(panel.id);
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
    const followKernel = () => {
      const kernel = sessionContext.session?.kernel ?? null;
      if (kernel === followed) {
        return;
      }
      followed = kernel;
      this.model.setKernel(key, kernel?.id ?? null);
      if (kernel) {
        this.model.setKernelStatus(kernel.id, kernel.status);
        this._reader.request(kernel.id, true);
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
        this._reader.reset(id);
        this._reader.request(id, true);
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
      if (this.panelsOf(key).length === 0) {
        this.unseen.forget(key);
      }
    });
    this.notebookAdded.emit(panel);
  }

  private _reader: ListingReader;
  private _keys = new Map<NotebookPanel, string>();
}

/**
 * Provides the model of executions in flight for every open notebook.
 */
export const inFlightPlugin: JupyterFrontEndPlugin<IInFlightExecutions> = {
  id: '@jupyterlab-handoff/extension:in-flight',
  description:
    'Follows what is queued, running or waiting for input on the server, for every open notebook.',
  autoStart: true,
  provides: IInFlightExecutions,
  requires: [IServerExecution, INotebookTracker],
  activate: (
    app: JupyterFrontEnd,
    service: IServerExecution,
    tracker: INotebookTracker
  ): IInFlightExecutions => new InFlightExecutions(app, service, tracker)
};
