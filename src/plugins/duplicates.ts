/**
 * Two kernels for one notebook (see `faults/duplicates.ts`): a warning in
 * every tab that has the notebook open, with one action that puts every
 * session of it on the older kernel.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { SessionAPI } from '@jupyterlab/services';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { DuplicateKernelWatch } from '../faults/duplicates';

export const duplicateKernelsPlugin: JupyterFrontEndPlugin<void> = {
  id: '@jupyterlab-handoff/extension:duplicate-kernels',
  description:
    'Warns when a notebook open here has two kernels, and puts it on one.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ITranslator],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_handoff');
    const sessions = app.serviceManager.sessions;
    const watch = new DuplicateKernelWatch({
      sessions,
      openPaths: () => {
        const paths = new Set<string>();
        tracker.forEach(panel => paths.add(panel.sessionContext.path));
        return paths;
      },
      moveSession: (id, kernelId) =>
        SessionAPI.updateSession(
          { id, kernel: { id: kernelId } },
          app.serviceManager.serverSettings
        )
    });
    tracker.widgetAdded.connect((_, panel) => {
      const check = () => watch.check();
      panel.sessionContext.sessionChanged.connect(check);
      panel.sessionContext.kernelChanged.connect(check);
      panel.disposed.connect(check);
      void panel.sessionContext.ready.then(check);
    });

    const notices = new Map<string, string>();
    const key = (path: string, kernelId: string) => `${path}\n${kernelId}`;
    watch.found.connect((_, found) => {
      const id = Notification.warning(
        trans.__(
          '%1 has %2 kernels: each tab may run its cells on a different one, and their outputs and interrupts do not meet.',
          found.path,
          String(found.move.length + 1)
        ),
        {
          autoClose: false,
          actions: [
            {
              label: trans.__('Use one kernel'),
              caption: trans.__(
                'Shut the newer kernel down and put every tab of this notebook on the older one'
              ),
              callback: () => {
                watch
                  .resolve(found)
                  .catch(reason =>
                    Notification.error(
                      trans.__(
                        'Could not put %1 on one kernel: %2',
                        found.path,
                        String(reason)
                      ),
                      { autoClose: false }
                    )
                  );
              }
            }
          ]
        }
      );
      notices.set(key(found.path, found.keep.kernelId), id);
    });
    watch.resolved.connect((_, found) => {
      const k = key(found.path, found.keep.kernelId);
      const id = notices.get(k);
      if (id) {
        notices.delete(k);
        Notification.dismiss(id);
      }
    });
  }
};
