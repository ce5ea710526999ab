/**
 * The list of executions in flight, in the right sidebar, and the command
 * that shows it.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { CommandIDs } from '../commandids';
import { IInFlightExecutions } from '../tokens';
import { InFlightPanel } from '../views/inflightpanel';

export const inFlightPanelPlugin: JupyterFrontEndPlugin<void> = {
  id: '@jupyterlab-handoff/extension:in-flight-panel',
  description:
    'Lists the executions queued, running or waiting for input on the server, across all open notebooks.',
  autoStart: true,
  requires: [IInFlightExecutions],
  optional: [ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    inFlight: IInFlightExecutions,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_handoff');
    const panel = new InFlightPanel({ inFlight, trans });
    app.shell.add(panel, 'right', { rank: 650 });

    app.commands.addCommand(CommandIDs.showInFlight, {
      label: trans.__('Show Executions on the Server'),
      caption: trans.__(
        'List the cells queued, running or waiting for input on the server, in every open notebook'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => {
        app.shell.activateById(panel.id);
        panel.node.focus();
      }
    });
    palette?.addItem({
      command: CommandIDs.showInFlight,
      category: trans.__('Server-side Execution')
    });
  }
};
