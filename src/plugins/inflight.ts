/**
 * Provides the model of executions in flight for every open notebook.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';
import { KernelAPI } from '@jupyterlab/services';
import { InFlightService } from '../inflight/service';
import type { ServerExecutionService } from '../service';
import { IInFlightExecutions, IServerExecution } from '../tokens';

export const inFlightPlugin: JupyterFrontEndPlugin<IInFlightExecutions> = {
  id: '@jupyterlab-handoff/extension:in-flight',
  description:
    'Follows what is queued, running or waiting for input on the server, for every open notebook.',
  autoStart: true,
  provides: IInFlightExecutions,
  requires: [IServerExecution, INotebookTracker],
  activate: (
    app: JupyterFrontEnd,
    service: IServerExecution,
    tracker: INotebookTracker
  ): IInFlightExecutions =>
    new InFlightService({
      service,
      backends: service.backends,
      poller: (service as ServerExecutionService).poller,
      tracker,
      commands: app.commands,
      activate: id => app.shell.activateById(id),
      readKernelState: async id =>
        (await KernelAPI.getKernelModel(id, app.serviceManager.serverSettings))
          ?.execution_state
    })
};
