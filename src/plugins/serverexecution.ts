/**
 * Provides the server-side execution service and the backend registry, with
 * the backends this package knows built in.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator } from '@jupyterlab/translation';
import { BUILTIN_BACKENDS } from '../backend/builtin';
import { ServerExecutionService } from '../service';
import { SETTINGS_PLUGIN_ID } from '../settings';
import { IExecutionBackendRegistry, IServerExecution } from '../tokens';

export const serverExecutionPlugin: JupyterFrontEndPlugin<IServerExecution> = {
  id: SETTINGS_PLUGIN_ID,
  description:
    'Runs notebook cells on the Jupyter server and tracks what this tab submitted.',
  autoStart: true,
  provides: IServerExecution,
  optional: [ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): IServerExecution => {
    const service = new ServerExecutionService({
      serverSettings: app.serviceManager.serverSettings,
      sessions: app.serviceManager.sessions,
      settingRegistry,
      translator: translator ?? undefined,
      pageOption: name => PageConfig.getOption(name)
    });
    BUILTIN_BACKENDS.forEach(factory => service.backends.register(factory));
    void service.connectSettings();
    return service;
  }
};

export const backendRegistryPlugin: JupyterFrontEndPlugin<IExecutionBackendRegistry> =
  {
    id: '@jupyterlab-handoff/extension:backend-registry',
    description:
      'The server dialects cells can run through; other extensions register backends here.',
    autoStart: true,
    provides: IExecutionBackendRegistry,
    requires: [IServerExecution],
    activate: (
      _app: JupyterFrontEnd,
      service: IServerExecution
    ): IExecutionBackendRegistry => service.backends
  };
