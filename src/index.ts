/**
 * jupyterlab-handoff: run notebook cells on the Jupyter server, so closing
 * the tab loses nothing.
 *
 * @packageDocumentation
 */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { cellBadgesPlugin } from './plugins/cellbadges';
import { commandsPlugin } from './plugins/commands';
import { executorPlugin } from './plugins/executor';
import { inFlightPlugin } from './plugins/inflight';
import { inFlightPanelPlugin } from './plugins/inflightpanel';
import { renderCoalescingPlugin } from './plugins/rendercoalescing';
import { serverExecutionPlugin } from './plugins/serverexecution';
import { statusItemPlugin } from './plugins/statusitem';
import { whileAwayPlugin } from './plugins/whileaway';

export * from './backend/types';
export { NbmodelBackend } from './backend/nbmodel';
export { CommandIDs } from './commandids';
export { HandoffExecutor } from './executor';
export { InFlightModel } from './inflight/model';
export { IInFlightExecutions, IServerExecution } from './tokens';

const plugins: JupyterFrontEndPlugin<any>[] = [
  serverExecutionPlugin,
  executorPlugin,
  inFlightPlugin,
  inFlightPanelPlugin,
  statusItemPlugin,
  cellBadgesPlugin,
  whileAwayPlugin,
  renderCoalescingPlugin,
  commandsPlugin
];

export default plugins;
