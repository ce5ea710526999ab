/**
 * jupyterlab-handoff: run notebook cells on the Jupyter server, so closing
 * the tab loses nothing.
 *
 * @packageDocumentation
 */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { commandsPlugin } from './plugins/commands';
import { executorPlugin } from './plugins/executor';
import { serverExecutionPlugin } from './plugins/serverexecution';

export * from './backend/types';
export { NbmodelBackend } from './backend/nbmodel';
export { HandoffExecutor } from './executor';
export { IServerExecution } from './tokens';

const plugins: JupyterFrontEndPlugin<any>[] = [
  serverExecutionPlugin,
  executorPlugin,
  commandsPlugin
];

export default plugins;
