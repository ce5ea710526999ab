/**
 * Commands of jupyterlab-handoff, and their palette entries.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { IServerExecution } from '../tokens';

/**
 * The command ids.
 */
export namespace CommandIDs {
  export const toggleServerSideExecution = 'handoff:toggle-server-execution';
}

/**
 * Registers the commands and adds them to the palette when there is one.
 */
export const commandsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-handoff:commands',
  description: 'Adds the server-side execution commands to the palette.',
  autoStart: true,
  requires: [IServerExecution],
  optional: [ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    service: IServerExecution,
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

    palette?.addItem({
      command: CommandIDs.toggleServerSideExecution,
      category
    });
  }
};
