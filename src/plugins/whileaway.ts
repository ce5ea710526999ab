/**
 * "While you were away": one watcher per open notebook (see
 * `whileaway/watcher.ts`), paused while the connection is lost and
 * compared again once it is back. What the user saw is kept for every
 * browser of theirs on the server (see `whileaway/seenstore.ts`): by our
 * server part's route, or else in the state database
 * (`whileaway/seenserver.ts` chooses), and in this browser's localStorage.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import { PageConfig } from '@jupyterlab/coreutils';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { UUID } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';
import { Timings } from '../timings';
import { cellsRendered } from '../views/rendered';
import { IInFlightExecutions } from '../tokens';
import { AwayWatcher, awayStorageKey } from '../whileaway/watcher';
import {
  SEEN_NAMESPACE,
  SeenServerDB,
  SeenStorage,
  SeenStore,
  browserId,
  chooseSeenBacking,
  deferredBacking
} from '../whileaway';

export const whileAwayPlugin: JupyterFrontEndPlugin<void> = {
  id: '@jupyterlab-handoff/extension:while-away',
  description:
    'Tells what finished or printed on the server while the user was not watching, in any of their browsers.',
  autoStart: true,
  requires: [IInFlightExecutions],
  optional: [ITranslator, IStateDB],
  activate: (
    app: JupyterFrontEnd,
    inFlight: IInFlightExecutions,
    translator: ITranslator | null,
    state: IStateDB | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_handoff');
    let local: Storage | null = null;
    try {
      local = window.localStorage;
    } catch {
      // Storage denied: the server alone keeps what was seen.
    }
    const workspace = PageConfig.getOption('workspace');
    const backing = chooseSeenBacking({
      server: new SeenServerDB(app.serviceManager.serverSettings),
      state,
      remote: workspace
        ? async () =>
            (await app.serviceManager.workspaces.fetch(workspace)).data
        : undefined
    });
    const store = new SeenStore({
      ...deferredBacking(backing),
      local,
      browser: browserId(local, () => UUID.uuid4())
    });
    const seen = new SeenStorage(store);
    // Any other change of this page's state makes JupyterLab save the whole
    // workspace soon: bring the other browsers' records in first (when they
    // are kept in the state database; nothing to do on the server route).
    // (`changed` is StateDB's, not in the IStateDB interface.)
    const stateChanged = (
      state as unknown as {
        changed?: ISignal<unknown, { id: string | null }>;
      } | null
    )?.changed;
    stateChanged?.connect((_, change) => {
      if (!String(change.id).startsWith(`${SEEN_NAMESPACE}:`)) {
        void store.sync();
      }
    });
    const ready = (panel: NotebookPanel): Promise<void> =>
      seen.preload(awayStorageKey(inFlight.keyOf(panel) ?? panel.context.path));
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

    const starting = new Set<NotebookPanel>();
    inFlight.notebookAdded.connect(async (_, panel) => {
      if (watchers.has(panel) || starting.has(panel) || !panel.model) {
        return;
      }
      starting.add(panel);
      // Not needed before the cells show: out of their way.
      await cellsRendered(panel);
      await ready(panel);
      starting.delete(panel);
      if (panel.isDisposed || !panel.model) {
        return;
      }
      const watcher = new AwayWatcher({
        notebook: panel.model.sharedModel,
        key: () => inFlight.keyOf(panel),
        path: () => panel.context.path,
        unseen: inFlight.unseen,
        storage: seen,
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
        setTimeout(
          () => void ready(panel).then(() => watcher.compare()),
          Timings.awayReconnectSettle
        );
      }
    });
    // While offline the document stops changing; what changes on the
    // server meanwhile is news when we are back.
    window.addEventListener('offline', () =>
      watchers.forEach(watcher => watcher.pause())
    );
    window.addEventListener('online', () =>
      setTimeout(
        () =>
          watchers.forEach(
            (watcher, panel) => void ready(panel).then(() => watcher.compare())
          ),
        Timings.awayReconnectSettle
      )
    );
    window.addEventListener('pagehide', () =>
      watchers.forEach(watcher => watcher.save())
    );
  }
};
