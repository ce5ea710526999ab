/**
 * Replaces JupyterLab's cell executor with one that runs cells on the server.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { INotebookModel } from '@jupyterlab/notebook';
import { INotebookCellExecutor } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import type { ClientPathReason } from '../executionpath';
import { HandoffExecutor } from '../executor';
import { FallbackNotices } from '../fallbacknotices';
import { IServerExecution } from '../tokens';

/** The key under which "server-side execution is off" is said once per page. */
const EVERY_NOTEBOOK = {};

/**
 * Provides the notebook cell executor.
 */
export const executorPlugin: JupyterFrontEndPlugin<INotebookCellExecutor> = {
  id: '@jupyterlab-handoff/extension:executor',
  description:
    'Runs code cells on the Jupyter server (jupyter-server-nbmodel), falling back to the tab when it cannot.',
  autoStart: true,
  provides: INotebookCellExecutor,
  requires: [IServerExecution],
  optional: [ITranslator],
  activate: (
    app: JupyterFrontEnd,
    service: IServerExecution,
    translator: ITranslator | null
  ): INotebookCellExecutor => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_handoff');
    const paths = new WeakMap<object, string>();

    const notices = new FallbackNotices<object>((key, reason) => {
      const path = paths.get(key) ?? '';
      const message = describeFallback(reason, path);
      const actions =
        reason === 'disabled'
          ? [
              {
                label: trans.__('Turn on'),
                caption: trans.__('Run cells on the server from now on'),
                callback: () => void service.setEnabled(true)
              }
            ]
          : [];
      // A server or document that cannot do it stays true until fixed, so
      // that message waits for the user; the others are passing states.
      const lasting = reason === 'no-backend' || reason === 'not-collaborative';
      Notification.warning(message, {
        autoClose: lasting ? false : 10000,
        actions
      });
    });

    function describeFallback(reason: ClientPathReason, path: string): string {
      switch (reason) {
        case 'disabled':
          return trans.__(
            'Server-side execution is off: cells run in this tab, and outputs of cells still running are lost if you close it.'
          );
        case 'not-collaborative':
          return trans.__(
            '%1 is not a shared document (real-time collaboration is off), so its cells run in this tab. Outputs of cells still running are lost if you close it.',
            path
          );
        case 'no-backend':
          return trans.__(
            'This server cannot run cells itself (jupyter-server-nbmodel is not installed or not enabled), so cells of %1 run in this tab. Outputs of cells still running are lost if you close it.',
            path
          );
        case 'no-document-id':
          return trans.__(
            '%1 has not finished syncing with the server, so this cell ran in the tab. Try again in a moment to run it on the server.',
            path
          );
      }
    }

    // Turning the feature back on should be able to warn again.
    service.settings.changed.connect((_, settings) => {
      if (settings.serverSideExecution) {
        notices.reset();
      }
    });

    const executor = new HandoffExecutor({
      backend: service.backend,
      monitor: service.monitor,
      settings: service.settings,
      translator: translator ?? undefined,
      onFallback: (notebook: INotebookModel, reason, path) => {
        const key = reason === 'disabled' ? EVERY_NOTEBOOK : notebook;
        paths.set(key, path);
        notices.report(key, reason);
        service.recordFallback({ notebook, path, reason });
      },
      onSubmission: event => service.recordSubmission(event),
      kernelShared: (kernelId, path) => {
        for (const session of app.serviceManager.sessions.running()) {
          if (session.kernel?.id === kernelId && session.path !== path) {
            return true;
          }
        }
        return false;
      }
    });
    return executor;
  }
};
