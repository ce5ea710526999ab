/**
 * The server-side execution service: the settings, the backend registry,
 * the listing poller and the executor, with the executor's events as
 * signals. The plugins only build it and hand it out.
 */
import type { ServerConnection, Session } from '@jupyterlab/services';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { ITranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';
import { BackendRegistry } from './backend/registry';
import { HandoffExecutor } from './execution/executor';
import { ListingPoller } from './server/poller';
import { HandoffSettingsModel, SETTINGS_PLUGIN_ID } from './settings';
import type {
  IExecutionBackend,
  IFallbackEvent,
  IServerExecution,
  ISubmissionEvent
} from './tokens';

export interface IServerExecutionServiceOptions {
  serverSettings: ServerConnection.ISettings;
  /** The running sessions, to tell whether a kernel is shared. */
  sessions: { running(): IterableIterator<Session.IModel> };
  settingRegistry: ISettingRegistry | null;
  translator?: ITranslator;
  /** A page config option. */
  pageOption?: (name: string) => string;
}

/**
 * The implementation of `IServerExecution`.
 */
export class ServerExecutionService implements IServerExecution {
  constructor(options: IServerExecutionServiceOptions) {
    this._registry = options.settingRegistry;
    this.backends = new BackendRegistry({
      serverSettings: options.serverSettings,
      pageOption: options.pageOption
    });
    this.poller = new ListingPoller({ backend: () => this.backend });
    const sessions = options.sessions;
    this.executor = new HandoffExecutor({
      backends: this.backends,
      poller: this.poller,
      settings: this.settings,
      translator: options.translator,
      onFallback: (notebook, reason, path, hint) =>
        this._fallbacks.emit({ notebook, reason, path, hint }),
      onSubmission: event => this._submissions.emit(event),
      kernelShared: (kernelId, path) => {
        for (const session of sessions.running()) {
          if (session.kernel?.id === kernelId && session.path !== path) {
            return true;
          }
        }
        return false;
      }
    });
  }

  readonly settings = new HandoffSettingsModel();
  readonly backends: BackendRegistry;
  readonly poller: ListingPoller;
  readonly executor: HandoffExecutor;

  /** The backend decided for this server, if any. */
  get backend(): IExecutionBackend | null {
    const decision = this.backends.decision;
    return decision?.kind === 'backend' ? decision.backend : null;
  }

  get submissions(): Signal<IServerExecution, ISubmissionEvent> {
    return this._submissions;
  }

  get fallbacks(): Signal<IServerExecution, IFallbackEvent> {
    return this._fallbacks;
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

  private _registry: ISettingRegistry | null;
  private _submissions = new Signal<IServerExecution, ISubmissionEvent>(this);
  private _fallbacks = new Signal<IServerExecution, IFallbackEvent>(this);
}
