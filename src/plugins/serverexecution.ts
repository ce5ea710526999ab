/**
 * The server-side execution service: settings, backend and this tab's
 * submissions, shared by the other plugins.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Signal } from '@lumino/signaling';
import { NbmodelBackend } from '../backend/nbmodel';
import { RequestMonitor } from '../requestmonitor';
import { HandoffSettingsModel, SETTINGS_PLUGIN_ID } from '../settings';
import {
  IServerExecution,
  type IFallbackEvent,
  type ISubmissionEvent
} from '../tokens';

class ServerExecution implements IServerExecution {
  constructor(
    app: JupyterFrontEnd,
    private readonly _registry: ISettingRegistry | null
  ) {
    this.backend = new NbmodelBackend(app.serviceManager.serverSettings);
    this.monitor = new RequestMonitor({ backend: this.backend });
  }

  readonly settings = new HandoffSettingsModel();
  readonly backend: NbmodelBackend;
  readonly monitor: RequestMonitor;
  readonly submissions: Signal<IServerExecution, ISubmissionEvent> = new Signal<
    IServerExecution,
    ISubmissionEvent
  >(this);
  readonly fallbacks: Signal<IServerExecution, IFallbackEvent> = new Signal<
    IServerExecution,
    IFallbackEvent
  >(this);

  recordSubmission(event: ISubmissionEvent): void {
    this.submissions.emit(event);
  }

  recordFallback(event: IFallbackEvent): void {
    this.fallbacks.emit(event);
  }

  async setEnabled(enabled: boolean): Promise<void> {
    if (!this._registry) {
      // Without a registry the choice lives for this page only.
      this.settings.update({ serverSideExecution: enabled });
      return;
    }
    try {
      await this._registry.set(
        SETTINGS_PLUGIN_ID,
        'serverSideExecution',
        enabled
      );
    } catch (reason) {
      // An invalid settings file cannot be written through the registry;
      // honour the choice for this page instead of failing the command.
      console.warn(
        `${SETTINGS_PLUGIN_ID}: could not save the setting, applying it to this page only.`,
        reason
      );
      this.settings.update({ serverSideExecution: enabled });
    }
  }

  /**
   * Follow the user's settings. An invalid settings file is reported and
   * replaced by the defaults; loading is retried when the user edits it.
   */
  async connectSettings(): Promise<void> {
    const registry = this._registry;
    if (!registry) {
      this.settings.update(null);
      return;
    }
    const load = async () => {
      try {
        const plugin = await registry.load(SETTINGS_PLUGIN_ID);
        this.settings.update(plugin.composite);
        plugin.changed.connect(() => this.settings.update(plugin.composite));
        return true;
      } catch (reason) {
        this.settings.fail(reason);
        return false;
      }
    };
    if (!(await load())) {
      const retry = async (_: ISettingRegistry, plugin: string) => {
        if (plugin === SETTINGS_PLUGIN_ID && (await load())) {
          registry.pluginChanged.disconnect(retry);
        }
      };
      registry.pluginChanged.connect(retry);
    }
  }
}

/**
 * Provides the server-side execution service.
 */
export const serverExecutionPlugin: JupyterFrontEndPlugin<IServerExecution> = {
  id: SETTINGS_PLUGIN_ID,
  description:
    'Runs notebook cells on the Jupyter server and tracks what this tab submitted.',
  autoStart: true,
  provides: IServerExecution,
  optional: [ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    registry: ISettingRegistry | null
  ): IServerExecution => {
    const service = new ServerExecution(app, registry);
    void service.connectSettings();
    return service;
  }
};
