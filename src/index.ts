/**
 * jupyterlab-handoff: run notebook cells on the Jupyter server, so closing
 * the tab loses nothing.
 *
 * @packageDocumentation
 */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { cellBadgesPlugin } from './plugins/cellbadges';
import { commandsPlugin } from './plugins/commands';
import { duplicateKernelsPlugin } from './plugins/duplicates';
import { executorPlugin } from './plugins/executor';
import { inFlightPlugin } from './plugins/inflight';
import { inFlightPanelPlugin } from './plugins/inflightpanel';
import { listStreamsPlugin } from './plugins/liststreams';
import { notifyPlugin } from './plugins/notify';
import { renderCoalescingPlugin } from './plugins/rendercoalescing';
import {
  backendRegistryPlugin,
  serverExecutionPlugin
} from './plugins/serverexecution';
import { statusItemPlugin } from './plugins/statusitem';
import { stdinPlugin } from './plugins/stdin';
import { whileAwayPlugin } from './plugins/whileaway';

export * from './tokens';
export { BackendError, isMissingRoute } from './backend/types';
export { CommandIDs } from './commandids';

const plugins: JupyterFrontEndPlugin<any>[] = [
  serverExecutionPlugin,
  backendRegistryPlugin,
  executorPlugin,
  inFlightPlugin,
  inFlightPanelPlugin,
  statusItemPlugin,
  cellBadgesPlugin,
  stdinPlugin,
  whileAwayPlugin,
  notifyPlugin,
  renderCoalescingPlugin,
  listStreamsPlugin,
  commandsPlugin,
  duplicateKernelsPlugin
];

export default plugins;
