/**
 * Output floods that arrive through the shared document re-render each code
 * cell's outputs at most once per frame, so the tab stays responsive.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { CodeCell } from '@jupyterlab/cells';
import { INotebookTracker, type NotebookPanel } from '@jupyterlab/notebook';
import type { OutputArea } from '@jupyterlab/outputarea';
import { OutputRenderCoalescer } from '../render/coalesce';

export const renderCoalescingPlugin: JupyterFrontEndPlugin<void> = {
  id: '@jupyterlab-handoff/extension:render-coalescing',
  description:
    "Re-renders a notebook cell's outputs at most once per frame while they stream in.",
  autoStart: true,
  requires: [INotebookTracker],
  activate: (_app: JupyterFrontEnd, tracker: INotebookTracker): void => {
    const coalesced = new WeakSet<OutputArea>();

    const coalesce = (area: OutputArea) => {
      if (coalesced.has(area) || area.isDisposed) {
        return;
      }
      coalesced.add(area);
      const coalescer = new OutputRenderCoalescer(area);
      area.disposed.connect(() => coalescer.dispose());
    };
    const coalesceAll = (panel: NotebookPanel) => {
      for (const cell of panel.content.widgets) {
        if (cell instanceof CodeCell) {
          coalesce(cell.outputArea);
        }
      }
    };

    const follow = (panel: NotebookPanel) => {
      coalesceAll(panel);
      // The notebook creates a widget for each inserted cell before this runs.
      panel.content.model?.cells.changed.connect(() => coalesceAll(panel));
    };
    tracker.widgetAdded.connect((_, panel) => {
      follow(panel);
      panel.content.modelChanged.connect(() => follow(panel));
    });
  }
};
