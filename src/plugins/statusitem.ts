/**
 * The status bar item. Optional: without a status bar the rest of the
 * extension works the same.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';
import { CommandIDs } from '../commandids';
import { IInFlightExecutions, IServerExecution } from '../tokens';
import { InFlightStatusItem } from '../views/statusitem';

export const statusItemPlugin: JupyterFrontEndPlugin<void> = {
  id: '@jupyterlab-handoff/extension:status-item',
  description:
    'Shows in the status bar what the current notebook has running or queued on the server.',
  autoStart: true,
  requires: [IInFlightExecutions, IServerExecution, INotebookTracker],
  optional: [IStatusBar, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    inFlight: IInFlightExecutions,
    service: IServerExecution,
    tracker: INotebookTracker,
    statusBar: IStatusBar | null,
    translator: ITranslator | null
  ): void => {
    if (!statusBar) {
      return;
    }
    const trans = (translator ?? nullTranslator).load('jupyterlab_handoff');
    const item = new InFlightStatusItem({
      trans,
      onOpen: () => void app.commands.execute(CommandIDs.showInFlight),
      facts: () => {
        const panel = tracker.currentWidget;
        const key = panel ? inFlight.keyOf(panel) : null;
        return {
          counts: key ? inFlight.withForeign.counts(key) : null,
          enabled: service.settings.current.serverSideExecution,
          support: inFlight.support,
          foreign: key ? inFlight.withForeign.foreignRuns(key) : []
        };
      }
    });
    const activeChanged = new Signal<unknown, void>(item);
    const refresh = () => item.refresh();
    inFlight.withForeign.changed.connect(refresh);
    inFlight.notebookAdded.connect(refresh);
    inFlight.supportChanged.connect(refresh);
    tracker.currentChanged.connect(() => {
      refresh();
      activeChanged.emit();
    });
    service.settings.changed.connect(() => {
      refresh();
      activeChanged.emit();
    });
    refresh();

    statusBar.registerStatusItem('@jupyterlab-handoff/extension:status-item', {
      item,
      align: 'left',
      rank: 4,
      isActive: () =>
        service.settings.current.showStatusItem &&
        tracker.currentWidget !== null &&
        tracker.currentWidget === app.shell.currentWidget,
      activeStateChanged: activeChanged
    });
    app.shell.currentChanged?.connect(() => activeChanged.emit());
  }
};
