import type { JupyterFrontEnd } from '@jupyterlab/application';
import { ServerConnection } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { serverExecutionPlugin } from '../plugins/serverexecution';
import {
  DEFAULT_SETTINGS,
  HandoffSettingsModel,
  parseSettings,
  SETTINGS_PLUGIN_ID
} from '../settings';
import type { ServerExecutionService } from '../service';
import type { IServerExecution } from '../tokens';
import { setupSettings as setup } from './settingsharness';

function warnings(spy: jest.SpyInstance): string[] {
  return spy.mock.calls.map(args => args.map(String).join(' '));
}

describe('parseSettings', () => {
  it('keeps valid values without problems', () => {
    expect(parseSettings({ serverSideExecution: false })).toEqual({
      settings: { ...DEFAULT_SETTINGS, serverSideExecution: false },
      problems: []
    });
    expect(
      parseSettings({ ...DEFAULT_SETTINGS, serverSideExecution: true })
    ).toEqual({
      settings: { ...DEFAULT_SETTINGS, serverSideExecution: true },
      problems: []
    });
  });

  it('uses the defaults for missing values, silently', () => {
    expect(parseSettings({})).toEqual({
      settings: { ...DEFAULT_SETTINGS, serverSideExecution: true },
      problems: []
    });
    expect(parseSettings(null)).toEqual({
      settings: { ...DEFAULT_SETTINGS, serverSideExecution: true },
      problems: []
    });
  });

  it.each([['yes'], [0], [1], [null], [['true']], [{ on: true }]])(
    'replaces the invalid value %j by the default and says why',
    value => {
      const { settings, problems } = parseSettings({
        serverSideExecution: value as any
      });
      expect(settings).toEqual({
        ...DEFAULT_SETTINGS,
        serverSideExecution: true
      });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(SETTINGS_PLUGIN_ID);
      expect(problems[0]).toContain('serverSideExecution');
      expect(problems[0]).toContain(JSON.stringify(value));
      expect(problems[0]).toContain('boolean');
    }
  );

  it('reads the display settings and replaces invalid ones', () => {
    expect(
      parseSettings({ showStatusItem: false, showCellBadges: false }).settings
    ).toEqual({
      serverSideExecution: true,
      showStatusItem: false,
      showCellBadges: false
    });
    const { settings, problems } = parseSettings({ showCellBadges: 'no' });
    expect(settings.showCellBadges).toBe(true);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('showCellBadges');
  });

  it('ignores unknown keys', () => {
    expect(parseSettings({ other: 'x', serverSideExecution: false })).toEqual({
      settings: { ...DEFAULT_SETTINGS, serverSideExecution: false },
      problems: []
    });
  });

  it('does not let a caller mutate the defaults', () => {
    const { settings } = parseSettings(null);
    settings.serverSideExecution = false;
    expect(DEFAULT_SETTINGS.serverSideExecution).toBe(true);
    expect(parseSettings(null).settings.serverSideExecution).toBe(true);
  });
});

describe('HandoffSettingsModel', () => {
  let warn: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    warn.mockRestore();
  });

  it('starts with the defaults', () => {
    const model = new HandoffSettingsModel();
    expect(model.current).toEqual({
      ...DEFAULT_SETTINGS,
      serverSideExecution: true
    });
  });

  it('emits changed only on real changes', () => {
    const model = new HandoffSettingsModel();
    const seen: boolean[] = [];
    model.changed.connect((_, settings) =>
      seen.push(settings.serverSideExecution)
    );

    model.update({ ...DEFAULT_SETTINGS, serverSideExecution: true }); // same as the default
    expect(seen).toEqual([]);
    model.update({ serverSideExecution: false });
    expect(seen).toEqual([false]);
    expect(model.current.serverSideExecution).toBe(false);
    model.update({ serverSideExecution: false });
    expect(seen).toEqual([false]);
    model.update({});
    expect(seen).toEqual([false, true]);
    expect(model.current.serverSideExecution).toBe(true);
    expect(warn).not.toHaveBeenCalled();
  });

  it('warns on the console for an invalid value and falls back to the default', () => {
    const model = new HandoffSettingsModel();
    model.update({ serverSideExecution: false });
    const seen: boolean[] = [];
    model.changed.connect((_, settings) =>
      seen.push(settings.serverSideExecution)
    );

    model.update({ serverSideExecution: 'yes' });
    expect(model.current.serverSideExecution).toBe(true);
    expect(seen).toEqual([true]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warnings(warn)[0]).toContain('"yes"');

    model.update({ serverSideExecution: 42 });
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warnings(warn)[1]).toContain('42');
    // Still the default: no change to announce.
    expect(seen).toEqual([true]);
  });

  async function isSettled(promise: Promise<void>): Promise<boolean> {
    let settled = false;
    void promise.then(() => (settled = true));
    await new Promise(resolve => setTimeout(resolve, 0));
    return settled;
  }

  it('is ready only after the first update', async () => {
    const model = new HandoffSettingsModel();
    expect(await isSettled(model.ready)).toBe(false);
    model.update({ serverSideExecution: false });
    expect(await isSettled(model.ready)).toBe(true);
  });

  it('is ready after fail, with the defaults and a warning', async () => {
    const model = new HandoffSettingsModel();
    expect(await isSettled(model.ready)).toBe(false);
    model.fail(new Error('boom'));
    expect(await isSettled(model.ready)).toBe(true);
    expect(model.current).toEqual({
      ...DEFAULT_SETTINGS,
      serverSideExecution: true
    });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warnings(warn)[0]).toContain('could not load the settings');
    expect(warn.mock.calls[0]).toContainEqual(new Error('boom'));
  });
});

describe('serverExecutionPlugin settings wiring', () => {
  let warn: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    warn.mockRestore();
  });

  it('has the id of the schema and the registry as an optional dependency', () => {
    expect(serverExecutionPlugin.id).toBe(SETTINGS_PLUGIN_ID);
    expect(serverExecutionPlugin.optional).toContain(ISettingRegistry);
  });

  it('defaults to server-side execution on', async () => {
    const { activate } = setup();
    const service = await activate();
    expect(service.settings.current.serverSideExecution).toBe(true);
    expect(warn).not.toHaveBeenCalled();
  });

  it('reads the user settings at activation', async () => {
    const { activate } = setup('{ "serverSideExecution": false }');
    const service = await activate();
    expect(service.settings.current.serverSideExecution).toBe(false);
  });

  it('follows a change of the user setting live', async () => {
    const { activate, registry } = setup();
    const service = await activate();
    const seen: boolean[] = [];
    service.settings.changed.connect((_, s) =>
      seen.push(s.serverSideExecution)
    );

    await registry.set(SETTINGS_PLUGIN_ID, 'serverSideExecution', false);
    expect(service.settings.current.serverSideExecution).toBe(false);
    await registry.set(SETTINGS_PLUGIN_ID, 'serverSideExecution', true);
    expect(service.settings.current.serverSideExecution).toBe(true);
    expect(seen).toEqual([false, true]);
  });

  it('writes the user setting from setEnabled', async () => {
    const { activate, connector, registry } = setup();
    const service = await activate();

    await service.setEnabled(false);
    expect(service.settings.current.serverSideExecution).toBe(false);
    const stored = (await connector.fetch(SETTINGS_PLUGIN_ID)) as {
      raw: string;
    };
    expect(JSON.parse(stripComments(stored.raw))).toEqual({
      serverSideExecution: false
    });
    const plugin = await registry.load(SETTINGS_PLUGIN_ID);
    expect(plugin.user.serverSideExecution).toBe(false);

    await service.setEnabled(true);
    expect(service.settings.current.serverSideExecution).toBe(true);
  });

  it('keeps working with the defaults when the user settings hold an invalid value', async () => {
    const { activate } = setup('{ "serverSideExecution": "yes" }');
    const service = await activate();
    expect(service.settings.current.serverSideExecution).toBe(true);
    const ownWarnings = warnings(warn).filter(w =>
      w.includes(`${SETTINGS_PLUGIN_ID}: could not load the settings`)
    );
    expect(ownWarnings).toHaveLength(1);
  });

  it('picks the settings up once the invalid file is fixed and reloaded', async () => {
    const { activate, connector, registry } = setup(
      '{ "serverSideExecution": "yes" }'
    );
    const service = await activate();
    expect(service.settings.current.serverSideExecution).toBe(true);

    await connector.save(
      SETTINGS_PLUGIN_ID,
      '{ "serverSideExecution": false }'
    );
    await registry.reload(SETTINGS_PLUGIN_ID);
    await waitFor(() => !service.settings.current.serverSideExecution);
    expect(service.settings.current.serverSideExecution).toBe(false);

    // And from then on it follows live changes.
    await registry.set(SETTINGS_PLUGIN_ID, 'serverSideExecution', true);
    expect(service.settings.current.serverSideExecution).toBe(true);
  });

  it('keeps the choice for the page when there is no registry', async () => {
    const app = {
      serviceManager: {
        serverSettings: ServerConnection.makeSettings(),
        sessions: { running: () => [][Symbol.iterator]() }
      }
    } as unknown as JupyterFrontEnd;
    const service = serverExecutionPlugin.activate(
      app,
      null
    ) as IServerExecution;
    (service as ServerExecutionService).poller.dispose();
    await service.settings.ready;
    expect(service.settings.current.serverSideExecution).toBe(true);
    await service.setEnabled(false);
    expect(service.settings.current.serverSideExecution).toBe(false);
  });
});

/** Remove the `//` comment lines the registry annotates raw settings with. */
function stripComments(raw: string): string {
  return raw
    .split('\n')
    .filter(line => !line.trim().startsWith('//'))
    .join('\n');
}

async function waitFor(condition: () => boolean, timeoutMs = 2000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 5));
  }
}
