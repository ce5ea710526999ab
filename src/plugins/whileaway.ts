/**
 * "While you were away": when a notebook opens, or its tab reconnects, and
 * cells finished or produced output without this tab watching, say so once
 * and mark those cells until the user has seen them.
 *
 * What this browser last saw of each notebook is kept in localStorage: it is
 * written synchronously, so it survives the tab being closed at any moment.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import {
  awayMessage,
  diffSinceSnapshot,
  hasNews,
  parseSnapshot,
  serializeSnapshot,
  takeSnapshot,
  type INotebookSnapshot
} from '../inflight/whileaway';
import { IInFlightExecutions } from '../tokens';

/** How long to wait after the last change before saving what we saw (ms). */
const SAVE_DELAY_MS = 300;
/** How long to let the document catch up after a reconnect (ms). */
const RECONNECT_SETTLE_MS = 1500;
const STORAGE_PREFIX = '@jupyterlab-handoff/extension:seen:';

export const whileAwayPlugin: JupyterFrontEndPlugin<void> = {
  id: '@jupyterlab-handoff/extension:while-away',
  description:
    'Tells what finished or printed on the server while no tab of this browser was watching.',
  autoStart: true,
  requires: [IInFlightExecutions],
  optional: [ITranslator],
  activate: (
    _app: JupyterFrontEnd,
    inFlight: IInFlightExecutions,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_handoff');
    const storage = safeStorage();
    const watchers = new Map<NotebookPanel, Watcher>();

    class Watcher {
      constructor(readonly panel: NotebookPanel) {
        const shared = panel.model!.sharedModel;
        this._onChange = () => this.scheduleSave();
        // The stored unseen list must follow what the user has seen, or a
        // later comparison would mark those cells again.
        this._onUnseen = (_: unknown, key: string) => {
          if (key === inFlight.keyOf(panel)) {
            this.scheduleSave();
          }
        };
        shared.changed.connect(this._onChange);
        inFlight.unseen.changed.connect(this._onUnseen);
        panel.disposed.connect(() => {
          this.save();
          shared.changed.disconnect(this._onChange);
          inFlight.unseen.changed.disconnect(this._onUnseen);
          watchers.delete(panel);
        });
        this.compare();
      }

      /** The storage key: the file path without its drive. */
      get storageKey(): string {
        const key = inFlight.keyOf(this.panel) ?? this.panel.context.path;
        return STORAGE_PREFIX + key.replace(/^[^/:]+:/, '');
      }

      /** Stop saving (the connection is lost: the document is frozen). */
      pause(): void {
        this._paused = true;
        if (this._timer !== null) {
          clearTimeout(this._timer);
          this._timer = null;
        }
      }

      /** Compare what we last saw with the document now, then follow it. */
      compare(): void {
        this._paused = false;
        const key = inFlight.keyOf(this.panel);
        const cells = this.panel.model?.sharedModel.cells;
        if (!key || !cells) {
          return;
        }
        const snapshot = this.load();
        if (snapshot && this._compared) {
          // After the first comparison, this page knows best what the user
          // has seen: the stored list may predate a cell seen while saving
          // was paused (a reconnect, or a kernel connection replaced).
          snapshot.unseen = inFlight.unseen.get(key);
        }
        this._compared = true;
        if (snapshot) {
          const diff = diffSinceSnapshot(snapshot, cells);
          inFlight.unseen.mark(key, diff.marked);
          const message = awayMessage(diff, trans);
          if (message && hasNews(diff) && diff.first) {
            const first = diff.first;
            Notification.info(
              trans.__('%1: %2', this.panel.context.localPath, message),
              {
                autoClose: 15000,
                actions: [
                  {
                    label: trans.__('Show'),
                    caption: trans.__('Go to the first cell that changed'),
                    callback: () => void inFlight.jumpTo(key, first)
                  }
                ]
              }
            );
          }
        }
        this.save();
      }

      scheduleSave(): void {
        if (this._paused || this._timer !== null) {
          return;
        }
        this._timer = setTimeout(() => {
          this._timer = null;
          this.save();
        }, SAVE_DELAY_MS);
      }

      save(): void {
        if (this._paused || !storage || !this.panel.model) {
          return;
        }
        const key = inFlight.keyOf(this.panel);
        const snapshot = takeSnapshot(this.panel.model.sharedModel.cells, {
          unseen: key ? inFlight.unseen.get(key) : []
        });
        try {
          storage.setItem(this.storageKey, serializeSnapshot(snapshot));
        } catch {
          // Storage full or denied: the next open simply has no news.
        }
      }

      load(): INotebookSnapshot | null {
        return storage ? parseSnapshot(storage.getItem(this.storageKey)) : null;
      }

      private _onChange: () => void;
      private _onUnseen: (_: unknown, key: string) => void;
      private _paused = false;
      private _compared = false;
      private _timer: ReturnType<typeof setTimeout> | null = null;
    }

    inFlight.notebookAdded.connect((_, panel) => {
      if (!watchers.has(panel) && panel.model) {
        watchers.set(panel, new Watcher(panel));
      }
    });
    inFlight.disconnected.connect((_, panel) => watchers.get(panel)?.pause());
    inFlight.reconnected.connect((_, panel) => {
      const watcher = watchers.get(panel);
      if (watcher) {
        setTimeout(() => watcher.compare(), RECONNECT_SETTLE_MS);
      }
    });
    // While offline the document stops changing; what changes on the
    // server meanwhile is news when we are back.
    window.addEventListener('offline', () =>
      watchers.forEach(watcher => watcher.pause())
    );
    window.addEventListener('online', () =>
      setTimeout(
        () => watchers.forEach(watcher => watcher.compare()),
        RECONNECT_SETTLE_MS
      )
    );
    window.addEventListener('pagehide', () =>
      watchers.forEach(watcher => watcher.save())
    );
  }
};

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
