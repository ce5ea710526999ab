/**
 * Commands of jupyterlab-handoff, and their palette entries.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { CommandIDs } from '../commandids';
import { Timings } from '../timings';
import { IInFlightExecutions, IServerExecution } from '../tokens';

export { CommandIDs };

/**
 * Registers the commands and adds them to the palette when there is one.
 */
export const commandsPlugin: JupyterFrontEndPlugin<void> = {
  id: '@jupyterlab-handoff/extension:commands',
  description: 'Adds the server-side execution commands to the palette.',
  autoStart: true,
  requires: [IServerExecution, IInFlightExecutions],
  optional: [ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    service: IServerExecution,
    inFlight: IInFlightExecutions,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_handoff');
    const category = trans.__('Server-side Execution');

    app.commands.addCommand(CommandIDs.toggleServerSideExecution, {
      label: trans.__('Run Cells on the Server'),
      caption: trans.__(
        'Run code cells on the Jupyter server, so closing the tab loses nothing'
      ),
      isToggled: () => service.settings.current.serverSideExecution,
      describedBy: {
        args: {
          type: 'object',
          properties: {
            enabled: {
              type: 'boolean',
              description: trans.__(
                'Turn server-side execution on (true) or off (false); toggles when omitted'
              )
            }
          }
        }
      },
      execute: async args => {
        const enabled =
          typeof args.enabled === 'boolean'
            ? args.enabled
            : !service.settings.current.serverSideExecution;
        await service.setEnabled(enabled);
      }
    });
    service.settings.changed.connect(() =>
      app.commands.notifyCommandChanged(CommandIDs.toggleServerSideExecution)
    );

    app.commands.addCommand(CommandIDs.clearStale, {
      label: trans.__('Clear Stale Running Marks'),
      caption: trans.__(
        'Reset cells marked running that the server is not running while the kernel is idle, in every tab'
      ),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            path: {
              type: 'string',
              description: trans.__(
                'Only this notebook (its document path); every open notebook when omitted'
              )
            }
          }
        }
      },
      execute: args => {
        const key = typeof args.path === 'string' ? args.path : undefined;
        const cleared = inFlight.clearStale(key);
        Notification.info(
          cleared
            ? trans._n(
                'Cleared %1 stale running mark.',
                'Cleared %1 stale running marks.',
                cleared,
                cleared
              )
            : trans.__('No cell is marked running without running.'),
          { autoClose: Timings.noticeCommand }
        );
        return cleared;
      }
    });

    for (const command of [
      CommandIDs.toggleServerSideExecution,
      CommandIDs.clearStale
    ]) {
      palette?.addItem({ command, category });
    }
  }
};
