/**
 * Replaces JupyterLab's cell executor with one that runs cells on the server.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { INotebookCellExecutor } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { FallbackNotices } from '../execution/fallbacknotices';
import { Timings } from '../timings';
import { IServerExecution, type ClientPathReason } from '../tokens';

/** The key under which "server-side execution is off" is said once per page. */
const EVERY_NOTEBOOK = {};

/**
 * Provides the notebook cell executor.
 */
export const executorPlugin: JupyterFrontEndPlugin<INotebookCellExecutor> = {
  id: '@jupyterlab-handoff/extension:executor',
  description:
    'Runs code cells on the Jupyter server, falling back to the tab when it cannot.',
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
    const hints = new WeakMap<object, string | null>();

    const notices = new FallbackNotices<object>((key, reason) => {
      const path = paths.get(key) ?? '';
      const message = describeFallback(reason, path, hints.get(key) ?? null);
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
      const lasting =
        reason === 'no-backend' ||
        reason === 'unknown-backend' ||
        reason === 'unsupported-backend' ||
        reason === 'not-collaborative';
      Notification.warning(message, {
        autoClose: lasting ? false : Timings.noticeFallback,
        actions
      });
    });

    function describeFallback(
      reason: ClientPathReason,
      path: string,
      hint: string | null
    ): string {
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
          return hint
            ? trans.__(
                'This server cannot run cells itself (%1 is not installed or not enabled), so cells of %2 run in this tab. Outputs of cells still running are lost if you close it.',
                hint,
                path
              )
            : trans.__(
                'This server cannot run cells itself, so cells of %1 run in this tab. Outputs of cells still running are lost if you close it.',
                path
              );
        case 'unknown-backend':
          return trans.__(
            'This server can run cells itself, but in a way no installed backend of Handoff speaks, so cells of %1 run in this tab. Outputs of cells still running are lost if you close it.',
            path
          );
        case 'unsupported-backend':
          return trans.__(
            'Handoff does not support this server’s way of running cells yet, so it leaves %1 to the server’s own executor or to this tab.',
            path
          );
        case 'server-unreachable':
          return trans.__(
            'The server could not be reached to learn how it runs cells, so this cell of %1 ran in the tab. Handoff keeps asking; run it again in a moment.',
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

    service.fallbacks.connect((_, { notebook, reason, path, hint }) => {
      const key = reason === 'disabled' ? EVERY_NOTEBOOK : notebook;
      paths.set(key, path);
      hints.set(key, hint ?? null);
      notices.report(key, reason);
    });
    return service.executor;
  }
};
