/**
 * input() and getpass prompts of server-side runs, in every tab: the stock
 * stdin box under the cell, answered from any tab (first answer wins).
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { INotebookTracker, type NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import type { InFlightModel } from '../inflight/model';
import { followModel, runningRequests } from '../stdin/follow';
import { PromptWatcher, type IShownPrompt } from '../stdin/prompts';
import { IInFlightExecutions, IServerExecution } from '../tokens';
import { StdinBoxes } from '../views/stdinbox';

export const stdinPlugin: JupyterFrontEndPlugin<void> = {
  id: '@jupyterlab-handoff/extension:stdin',
  description:
    'Shows the stdin box of input() prompts of server-side runs in every tab, and sends the answer.',
  autoStart: true,
  requires: [IInFlightExecutions, IServerExecution, INotebookTracker],
  optional: [ITranslator],
  activate: (
    app: JupyterFrontEnd,
    inFlight: IInFlightExecutions,
    service: IServerExecution,
    tracker: INotebookTracker,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_handoff');
    const backend = () => {
      const decision = service.backends.decision;
      return decision?.kind === 'backend' ? decision.backend : null;
    };
    const watcher = new PromptWatcher({ backend });
    // The service's model: the token exposes its read side only.
    const model = inFlight.model as InFlightModel;
    followModel(model, watcher);
    service.backends.decided.connect(() =>
      watcher.setRunning(runningRequests(model.entries()))
    );

    const answer = (shown: IShownPrompt, value: string) => {
      watcher.answer(shown, value).then(
        result => {
          if (result === 'late') {
            Notification.warning(
              trans.__(
                'Another tab answered this prompt first: your answer was not sent.'
              ),
              { autoClose: 8000 }
            );
          }
        },
        reason => {
          Notification.error(
            trans.__(
              'Your answer could not be sent (%1). The prompt is shown again.',
              reason instanceof Error ? reason.message : String(reason)
            ),
            { autoClose: false }
          );
        }
      );
    };

    const boxes = new Map<NotebookPanel, StdinBoxes>();
    const paint = (panel: NotebookPanel) => {
      const key = inFlight.keyOf(panel);
      boxes
        .get(panel)
        ?.update(panel.content.widgets, cell =>
          key ? watcher.prompt(key, cell.model.id) : undefined
        );
    };
    const paintAll = () => boxes.forEach((_, panel) => paint(panel));
    watcher.changed.connect(paintAll);
    inFlight.notebookAdded.connect((_, panel) => {
      boxes.set(
        panel,
        new StdinBoxes({
          translator: translator ?? undefined,
          onAnswer: (shown, value) => answer(shown as IShownPrompt, value),
          onLost: () => requestAnimationFrame(() => paint(panel))
        })
      );
      // Cell widgets are recreated when cells move or are added.
      panel.model?.cells.changed.connect(() => paint(panel));
      panel.disposed.connect(() => {
        boxes.get(panel)?.dispose();
        boxes.delete(panel);
      });
      paint(panel);
    });
  }
};
