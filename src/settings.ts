/**
 * The extension's settings, read defensively.
 */
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Signal, type ISignal } from '@lumino/signaling';

/**
 * The id of the plugin whose schema holds the settings.
 */
export const SETTINGS_PLUGIN_ID =
  '@jupyterlab-handoff/extension:server-execution';

import type { IHandoffSettings } from './tokens';

export type { IHandoffSettings };

export const DEFAULT_SETTINGS: Readonly<IHandoffSettings> = Object.freeze({
  serverSideExecution: true,
  showStatusItem: true,
  showCellBadges: true
});

/**
 * Read the settings from a composite, falling back to the default for any
 * value of the wrong type.
 *
 * @returns the settings and one message per value that was replaced.
 */
export function parseSettings(composite: ReadonlyPartialJSONObject | null): {
  settings: IHandoffSettings;
  problems: string[];
} {
  const settings: IHandoffSettings = { ...DEFAULT_SETTINGS };
  const problems: string[] = [];
  for (const key of Object.keys(DEFAULT_SETTINGS) as Array<
    keyof IHandoffSettings
  >) {
    const value = composite?.[key];
    if (value === undefined) {
      continue;
    }
    if (typeof value === typeof DEFAULT_SETTINGS[key]) {
      settings[key] = value as IHandoffSettings[typeof key];
    } else {
      problems.push(
        `${SETTINGS_PLUGIN_ID}: "${key}" must be a ${typeof DEFAULT_SETTINGS[
          key
        ]}, got ${JSON.stringify(value)}; using the default ${JSON.stringify(
          DEFAULT_SETTINGS[key]
        )}.`
      );
    }
  }
  return { settings, problems };
}

/**
 * The live settings: defaults until the registry answers, then whatever the
 * user has, updated on every change without a reload.
 */
export class HandoffSettingsModel {
  /** Resolves once the first settings were read (or failed to be read). */
  get ready(): Promise<void> {
    return this._ready;
  }

  get current(): Readonly<IHandoffSettings> {
    return this._current;
  }

  get changed(): ISignal<this, IHandoffSettings> {
    return this._changed;
  }

  /**
   * Apply a composite from the registry. Invalid values are warned about on
   * the console and replaced by defaults.
   */
  update(composite: ReadonlyPartialJSONObject | null): void {
    const { settings, problems } = parseSettings(composite);
    for (const problem of problems) {
      console.warn(problem);
    }
    this._markReady();
    const changed = (
      Object.keys(settings) as Array<keyof IHandoffSettings>
    ).some(key => settings[key] !== this._current[key]);
    this._current = settings;
    if (changed) {
      this._changed.emit(settings);
    }
  }

  /**
   * The settings could not be loaded at all; keep the defaults.
   */
  fail(reason: unknown): void {
    console.warn(
      `${SETTINGS_PLUGIN_ID}: could not load the settings, using the defaults.`,
      reason
    );
    this.update(null);
  }

  private _current: IHandoffSettings = { ...DEFAULT_SETTINGS };
  private _changed = new Signal<this, IHandoffSettings>(this);
  private _markReady!: () => void;
  private _ready = new Promise<void>(resolve => {
    this._markReady = resolve;
  });
}
