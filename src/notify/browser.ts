/**
 * Browser (system) notifications, behind the page's `Notification`
 * constructor (injected: tests pass a recording one; a browser without it
 * is `unsupported`).
 */
import type { BrowserPermission } from './settings';
import type { INoticeText } from './words';

/**
 * The subset of the DOM's `Notification` constructor used here.
 */
export interface INotificationConstructor {
  new (
    title: string,
    options?: { body?: string; tag?: string; icon?: string }
  ): {
    onclick: ((event: Event) => void) | null;
    close(): void;
  };
  readonly permission: string;
  requestPermission(): Promise<string>;
}

/**
 * The permission now.
 */
export function browserPermission(
  ctor: INotificationConstructor | undefined | null
): BrowserPermission {
  if (!ctor) {
    return 'unsupported';
  }
  const permission = ctor.permission;
  return permission === 'granted' || permission === 'denied'
    ? permission
    : 'default';
}

/**
 * Ask the browser (call only from the user's own action, such as turning
 * the setting on). Never rejects.
 */
export async function askPermission(
  ctor: INotificationConstructor | undefined | null
): Promise<BrowserPermission> {
  if (!ctor) {
    return 'unsupported';
  }
  try {
    await ctor.requestPermission();
  } catch {
    // Some browsers only take the callback form, or refuse outright.
  }
  return browserPermission(ctor);
}

/**
 * Show a notice; a click brings the page forward and runs `onClick`.
 *
 * @param focus - brings the page to the front (`window.focus`).
 * @returns false when it could not be shown.
 */
export function showBrowserNotice(
  ctor: INotificationConstructor | undefined | null,
  text: INoticeText,
  tag: string,
  focus: () => void,
  onClick: () => void
): boolean {
  if (browserPermission(ctor) !== 'granted') {
    return false;
  }
  try {
    const notification = new ctor!(text.title, { body: text.body, tag });
    notification.onclick = () => {
      focus();
      onClick();
      notification.close();
    };
    return true;
  } catch {
    // Android Chrome, for one, throws: only service workers may notify.
    return false;
  }
}
