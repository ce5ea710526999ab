/**
 * Marks each cell queued, running, waiting for input or stale on the server,
 * and cells that changed while the user was away, in every tab.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker, type NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { IInFlightExecutions, IServerExecution } from '../tokens';
import { markCell } from '../views/cellbadges';
import { cellsRendered } from '../views/rendered';

export const cellBadgesPlugin: JupyterFrontEndPlugin<void> = {
  id: '@jupyterlab-handoff/extension:cell-badges',
  description:
    'Marks cells queued or running on the server, distinct from the stock [*] prompt.',
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
    const pending = new Set<NotebookPanel>();
    // A notebook just opened is marked once its cells show (see
    // `views/rendered.ts`); its status item is right before that.
    const rendered = new WeakSet<NotebookPanel>();
    let frame: number | null = null;

    const paint = (panel: NotebookPanel) => {
      const key = inFlight.keyOf(panel);
      const show =
        service.settings.current.showCellBadges &&
        inFlight.support.kind !== 'unsupported';
      const view = inFlight.withForeign;
      const entries = new Map(
        key && show ? view.entries(key).map(e => [e.cellId, e]) : []
      );
      const behindForeign = !!key && view.foreignRuns(key).length > 0;
      for (const cell of panel.content.widgets) {
        const id = cell.model.id;
        const entry = entries.get(id);
        const unseen = key && show ? inFlight.unseen.has(key, id) : false;
        markCell(
          cell,
          entry?.state ?? (unseen ? 'unseen' : null),
          trans,
          entry?.foreign
            ? 'foreign'
            : behindForeign && entry?.state === 'queued'
              ? 'behind'
              : null
        );
      }
    };
    // Many changes can arrive in one frame (a flood of updates): paint once.
    const schedule = (panel: NotebookPanel | null) => {
      if (!panel || panel.isDisposed || !rendered.has(panel)) {
        return;
      }
      pending.add(panel);
      if (frame === null) {
        frame = requestAnimationFrame(() => {
          frame = null;
          const panels = [...pending];
          pending.clear();
          panels.filter(p => !p.isDisposed).forEach(paint);
        });
      }
    };
    const scheduleKey = (key: string) =>
      inFlight.panelsOf(key).forEach(schedule);
    const scheduleAll = () => tracker.forEach(schedule);

    inFlight.withForeign.changed.connect((_, { keys }) =>
      keys.forEach(scheduleKey)
    );
    inFlight.unseen.changed.connect((_, key) => scheduleKey(key));
    inFlight.notebookAdded.connect((_, panel) => {
      void cellsRendered(panel).then(() => {
        rendered.add(panel);
        schedule(panel);
      });
      // Cell widgets are recreated when cells move or are added.
      panel.model?.cells.changed.connect(() => schedule(panel));
      panel.content.activeCellChanged.connect((_, cell) => {
        const key = inFlight.keyOf(panel);
        if (cell && key) {
          inFlight.unseen.seen(key, cell.model.id);
        }
      });
    });
    service.settings.changed.connect(scheduleAll);
    inFlight.supportChanged.connect(scheduleAll);
  }
};
