/**
 * "While you were away": one watcher per open notebook (see
 * `whileaway/watcher.ts`), paused while the connection is lost and
 * compared again once it is back.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Timings } from '../timings';
import { IInFlightExecutions } from '../tokens';
import { AwayWatcher } from '../whileaway/watcher';

export const whileAwayPlugin: JupyterFrontEndPlugin<void> = {
  id: '@jupyterlab-handoff/extension:while-away',
  description:
    'Tells what finished or printed on the server while no tab of this browser was watching.',
  autoStart: true,
  requires: [IInFlightExecutions],
  optional: [ITranslator],
  activate: (
    _app: JupyterFrontEnd,
    inFlight: IInFlightExecutions,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_handoff');
    let storage: Storage | null = null;
    try {
      storage = window.localStorage;
    } catch {
      // Storage denied: no news on the next open.
    }
    const watchers = new Map<NotebookPanel, AwayWatcher>();
    const notify = (
      panel: NotebookPanel,
      message: string,
      key: string,
      first: string
    ) =>
      Notification.info(trans.__('%1: %2', panel.context.localPath, message), {
        autoClose: Timings.noticeAway,
        actions: [
          {
            label: trans.__('Show'),
            caption: trans.__('Go to the first cell that changed'),
            callback: () => void inFlight.jumpTo(key, first)
          }
        ]
      });

    inFlight.notebookAdded.connect((_, panel) => {
      if (watchers.has(panel) || !panel.model) {
        return;
      }
      const watcher = new AwayWatcher({
        notebook: panel.model.sharedModel,
        key: () => inFlight.keyOf(panel),
        path: () => panel.context.path,
        unseen: inFlight.unseen,
        storage,
        trans,
        notify: (message, key, first) => notify(panel, message, key, first)
      });
      watchers.set(panel, watcher);
      panel.disposed.connect(() => {
        watcher.dispose();
        watchers.delete(panel);
      });
    });
    inFlight.disconnected.connect((_, panel) => watchers.get(panel)?.pause());
    inFlight.reconnected.connect((_, panel) => {
      const watcher = watchers.get(panel);
      if (watcher) {
        setTimeout(() => watcher.compare(), Timings.awayReconnectSettle);
      }
    });
    // While offline the document stops changing; what changes on the
    // server meanwhile is news when we are back.
    window.addEventListener('offline', () =>
      watchers.forEach(watcher => watcher.pause())
    );
    window.addEventListener('online', () =>
      setTimeout(
        () => watchers.forEach(watcher => watcher.compare()),
        Timings.awayReconnectSettle
      )
    );
    window.addEventListener('pagehide', () =>
      watchers.forEach(watcher => watcher.save())
    );
  }
};
