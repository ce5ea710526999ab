/**
 * The notification settings: their values, read from the setting registry,
 * and when to ask the browser for permission.
 */

/**
 * The notification settings, with their types enforced.
 */
export interface INotifySettings {
  /** Notify at all. */
  enabled: boolean;
  /** Only runs that lasted at least this long (ms). */
  thresholdMs: number;
  /** Also show browser (system) notifications while the page is hidden. */
  browser: boolean;
}

export const DEFAULT_NOTIFY_SETTINGS: Readonly<INotifySettings> = Object.freeze(
  { enabled: true, thresholdMs: 10_000, browser: false }
);

/**
 * The browser's notification permission, or `unsupported`.
 */
export type BrowserPermission =
  'default' | 'granted' | 'denied' | 'unsupported';

/**
 * Whether to ask the browser for permission after a settings change.
 *
 * Only when the user just turned browser notifications on (never when the
 * settings load) and the browser has not been asked yet; `blocked` when
 * the browser refuses or cannot (tell the user, in the app).
 *
 * @param previous - the settings before the change, null when loading.
 */
export function permissionAction(
  previous: Readonly<INotifySettings> | null,
  next: Readonly<INotifySettings>,
  permission: BrowserPermission
): 'request' | 'blocked' | 'none' {
  if (previous === null || !next.enabled || !next.browser) {
    return 'none';
  }
  if (previous.enabled && previous.browser) {
    return 'none';
  }
  switch (permission) {
    case 'default':
      return 'request';
    case 'denied':
    case 'unsupported':
      return 'blocked';
    case 'granted':
      return 'none';
  }
}

/**
 * Read the notification settings from the setting values
 * `notifyWhenDone` (boolean), `notifyAfterSeconds` (number >= 0) and
 * `browserNotifications` (boolean); a wrong value falls back to the default,
 * with one message per value replaced.
 */
export function parseNotifySettings(
  composite: Readonly<Record<string, unknown>> | null,
  pluginId: string
): { settings: INotifySettings; problems: string[] } {
  const settings: INotifySettings = { ...DEFAULT_NOTIFY_SETTINGS };
  const problems: string[] = [];
  const read = <T>(
    name: string,
    valid: (value: unknown) => value is T,
    what: string,
    fallback: unknown,
    apply: (value: T) => void
  ) => {
    const value = composite?.[name];
    if (value === undefined) {
      return;
    }
    if (valid(value)) {
      apply(value);
    } else {
      problems.push(
        `${pluginId}: "${name}" must be ${what}, got ${JSON.stringify(
          value
        )}; using the default ${JSON.stringify(fallback)}.`
      );
    }
  };
  const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
  const isSeconds = (v: unknown): v is number =>
    typeof v === 'number' && Number.isFinite(v) && v >= 0;
  read('notifyWhenDone', isBoolean, 'a boolean', true, v => {
    settings.enabled = v;
  });
  read('notifyAfterSeconds', isSeconds, 'a number of seconds >= 0', 10, v => {
    settings.thresholdMs = v * 1000;
  });
  read('browserNotifications', isBoolean, 'a boolean', false, v => {
    settings.browser = v;
  });
  return { settings, problems };
}
