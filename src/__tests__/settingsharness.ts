/**
 * The server-execution plugin activated against a real SettingRegistry
 * backed by an in-memory connector.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { ServerConnection } from '@jupyterlab/services';
import {
  SettingRegistry,
  type ISettingRegistry
} from '@jupyterlab/settingregistry';
import { StateDB } from '@jupyterlab/statedb';
import { serverExecutionPlugin } from '../plugins/serverexecution';
import { SETTINGS_PLUGIN_ID } from '../settings';
import type { ServerExecutionService } from '../service';
import type { IServerExecution } from '../tokens';

const SCHEMA = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'schema', 'server-execution.json'), {
    encoding: 'utf8'
  })
) as ISettingRegistry.ISchema;

/**
 * An in-memory settings connector, as in JupyterLab's own tests: it stores
 * the raw user settings and serves them with the schema.
 */
export class TestConnector extends StateDB<any> {
  constructor(
    private readonly _schemas: Record<string, ISettingRegistry.ISchema>
  ) {
    super();
  }

  async fetch(id: string): Promise<any> {
    const schema = this._schemas[id];
    if (!schema) {
      return undefined;
    }
    const raw = ((await super.fetch(id)) as string | undefined) ?? '{}';
    return {
      id,
      raw,
      schema,
      version: 'test',
      data: { composite: {}, user: {} }
    };
  }

  async list(): Promise<any> {
    return { ids: [], values: [] };
  }
}

export function setupSettings(rawUserSettings?: string) {
  const connector = new TestConnector({ [SETTINGS_PLUGIN_ID]: SCHEMA });
  const registry = new SettingRegistry({ connector });
  const app = {
    serviceManager: {
      serverSettings: ServerConnection.makeSettings(),
      sessions: { running: () => [][Symbol.iterator]() }
    }
  } as unknown as JupyterFrontEnd;
  const activate = async () => {
    if (rawUserSettings !== undefined) {
      await connector.save(SETTINGS_PLUGIN_ID, rawUserSettings);
    }
    const service = serverExecutionPlugin.activate(
      app,
      registry
    ) as IServerExecution;
    (service as ServerExecutionService).poller.dispose();
    await service.settings.ready;
    return service;
  };
  return { connector, registry, activate };
}
