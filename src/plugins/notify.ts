/**
 * Tells the user when a run ends (or waits for input) while they look
 * elsewhere: an in-app notification with Go to cell, and a browser
 * notification while the page is hidden, once they turned those on. The
 * rules are in `notify/`; this file only wires them.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import type { ISharedCodeCell } from '@jupyter/ydoc';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import {
  DEFAULT_NOTIFY_SETTINGS,
  RunNoticeService,
  askPermission,
  browserPermission,
  noticeText,
  outcomeOf,
  parseNotifySettings,
  permissionAction,
  showBrowserNotice,
  type INotificationConstructor,
  type INotifySettings,
  type IRunNotice
} from '../notify';
import { SETTINGS_PLUGIN_ID } from '../settings';
import { Timings } from '../timings';
import { IInFlightExecutions } from '../tokens';

export const notifyPlugin: JupyterFrontEndPlugin<void> = {
  id: '@jupyterlab-handoff/extension:notify',
  description:
    'Notifies when a long run ends, fails or waits for input while you look elsewhere.',
  autoStart: true,
  requires: [IInFlightExecutions, INotebookTracker],
  optional: [ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    inFlight: IInFlightExecutions,
    tracker: INotebookTracker,
    registry: ISettingRegistry | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_handoff');
    const browser = () =>
      (window as unknown as { Notification?: INotificationConstructor })
        .Notification;
    let settings: Readonly<INotifySettings> = DEFAULT_NOTIFY_SETTINGS;

    const apply = (
      composite: Record<string, unknown> | null,
      load: boolean
    ) => {
      const parsed = parseNotifySettings(composite, SETTINGS_PLUGIN_ID);
      parsed.problems.forEach(problem => console.warn(problem));
      const action = permissionAction(
        load ? null : settings,
        parsed.settings,
        browserPermission(browser())
      );
      settings = parsed.settings;
      if (action === 'request') {
        void askPermission(browser()).then(permission => {
          if (permission !== 'granted') {
            blocked();
          }
        });
      } else if (action === 'blocked') {
        blocked();
      }
    };
    const blocked = () =>
      Notification.warning(
        trans.__(
          'This browser does not allow notifications from this page: you are told in JupyterLab only. Allow them in the browser’s site settings to be told while the page is hidden.'
        ),
        { autoClose: Timings.noticeFallback }
      );
    if (registry) {
      void registry.load(SETTINGS_PLUGIN_ID).then(
        plugin => {
          apply(plugin.composite as Record<string, unknown>, true);
          plugin.changed.connect(() =>
            apply(plugin.composite as Record<string, unknown>, false)
          );
        },
        reason =>
          console.warn(
            `${SETTINGS_PLUGIN_ID}: could not load the notification settings, using the defaults.`,
            reason
          )
      );
    }

    // Ends learned while a notebook opens or catches up after a reconnect
    // are for "while you were away", not notices.
    const catchingUp = new Map<string, number>();
    const settleFrom = (key: string | null, until: number) => {
      if (key) {
        catchingUp.set(key, until);
      }
    };
    inFlight.notebookAdded.connect((_, panel) => {
      settleFrom(
        inFlight.keyOf(panel),
        Date.now() + Timings.awayReconnectSettle
      );
      panel.disposed.connect(() => {
        const key = inFlight.keyOf(panel) ?? panel.context.path;
        if (inFlight.panelsOf(key).length === 0) {
          notices.forget(key);
          catchingUp.delete(key);
        }
      });
    });
    inFlight.disconnected.connect((_, panel) =>
      settleFrom(inFlight.keyOf(panel), Infinity)
    );
    inFlight.reconnected.connect((_, panel) =>
      settleFrom(
        inFlight.keyOf(panel),
        Date.now() + Timings.awayReconnectSettle
      )
    );

    const view = inFlight.withForeign;
    const notices = new RunNoticeService({
      // Only runs of this extension: another client's are not ours to time.
      model: {
        changed: view.changed,
        entries: key => view.entries(key).filter(entry => !entry.foreign)
      },
      settings: () => settings,
      view: () => {
        const current = tracker.currentWidget;
        return {
          pageVisible: document.visibilityState === 'visible',
          currentKey:
            current && current === app.shell.currentWidget
              ? inFlight.keyOf(current)
              : null
        };
      },
      permission: () => browserPermission(browser()),
      outcome: (key, cellId) =>
        outcomeOf(
          inFlight
            .panelOf(key)
            ?.model?.sharedModel.cells.find(cell => cell.getId() === cellId) as
            ISharedCodeCell | undefined
        ),
      live: key => (catchingUp.get(key) ?? 0) <= Date.now()
    });

    const show = (notice: IRunNotice) => {
      const description = inFlight.describe(notice.key, notice.cellId);
      const name =
        description?.notebookName ?? notice.key.split('/').pop() ?? notice.key;
      const text = noticeText(
        notice,
        name,
        description ? description.index + 1 : null,
        trans
      );
      const go = () => void inFlight.jumpTo(notice.key, notice.cellId);
      const options = {
        autoClose: false as const,
        actions: [
          {
            label: trans.__('Go to cell'),
            caption: trans.__('Show the notebook and select the cell'),
            callback: go
          }
        ]
      };
      switch (notice.kind) {
        case 'failed':
          Notification.error(text.message, options);
          break;
        case 'input':
          Notification.warning(text.message, options);
          break;
        default:
          Notification.info(text.message, options);
      }
      if (notice.browser) {
        showBrowserNotice(
          browser(),
          text,
          notice.tag,
          () => window.focus(),
          go
        );
      }
    };
    notices.noticed.connect((_, notice) => show(notice));
  }
};
