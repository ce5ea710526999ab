/**
 * Run notices for every open notebook: follows the in-flight model and
 * turns each change of a notebook's entries into run facts for the
 * notifier. No DOM: the page's view, the cells' outcomes and whether the tab
 * was watching are injected; the plugin shows what `noticed` emits.
 */
import type { IDisposable } from '@lumino/disposable';
import { Signal, type ISignal } from '@lumino/signaling';
import { BusyPeriods, runFacts, type IEntryView } from './facts';
import {
  RunNotifier,
  type BrowserPermission,
  type INotifySettings,
  type IRunNotice,
  type IViewState
} from './rules';

/**
 * The subset of the in-flight model read here.
 */
export interface INoticeModel {
  readonly changed: ISignal<unknown, { keys: string[] }>;
  entries(key?: string): ReadonlyArray<IEntryView & { key: string }>;
}

export interface IRunNoticeServiceOptions {
  model: INoticeModel;
  settings: () => Readonly<INotifySettings>;
  view: () => IViewState;
  permission: () => BrowserPermission;
  /** How a cell's run ended, from the document (see `outcomeOf`). */
  outcome: (key: string, cellId: string) => 'ok' | 'failed' | 'cancelled';
  /**
   * Whether the tab is following this notebook live: false while it opens
   * the notebook or catches up after a reconnect (ends then are left to
   * "while you were away").
   */
  live: (key: string) => boolean;
  /** The Run All batch of a cell this tab submitted, if it knows. */
  batchOf?: (key: string, cellId: string) => string | null;
  now?: () => number;
}

/**
 * Follows the model and emits the notices to show.
 */
export class RunNoticeService implements IDisposable {
  constructor(options: IRunNoticeServiceOptions) {
    this._options = options;
    this._now = options.now ?? Date.now;
    this._notifier = new RunNotifier({
      settings: options.settings,
      view: options.view,
      permission: options.permission
    });
    this._notifier.noticed.connect((_, notice) => this._noticed.emit(notice));
    options.model.changed.connect(this._onChanged, this);
    // What is in flight when we start was not seen starting, but its end
    // will be seen: take it in now.
    this._onChanged(options.model, { keys: this._keys() });
  }

  /** Emitted with each notice to show. */
  get noticed(): ISignal<this, IRunNotice> {
    return this._noticed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Forget a notebook (it closed). */
  forget(key: string): void {
    this._views.delete(key);
    this._periods.forget(key);
    this._notifier.forget(key);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._options.model.changed.disconnect(this._onChanged, this);
    Signal.clearData(this);
  }

  private _keys(): string[] {
    return [...new Set(this._options.model.entries().map(e => e.key))];
  }

  private _onChanged(_: unknown, change: { keys: string[] }): void {
    const options = this._options;
    for (const key of change.keys) {
      const before = this._views.get(key) ?? [];
      const after = options.model.entries(key).map(entry => ({
        cellId: entry.cellId,
        state: entry.state,
        since: entry.since,
        firstSeen: entry.firstSeen
      }));
      const period = this._periods.batchFor(key, before);
      const facts = runFacts(key, before, after, {
        now: this._now(),
        live: options.live(key),
        outcome: cellId => options.outcome(key, cellId),
        batchOf: cellId => options.batchOf?.(key, cellId) ?? period
      });
      if (after.length) {
        this._views.set(key, after);
      } else {
        this._views.delete(key);
      }
      for (const fact of facts) {
        this._notifier.add(fact);
      }
    }
  }

  private _options: IRunNoticeServiceOptions;
  private _now: () => number;
  private _notifier: RunNotifier;
  private _periods = new BusyPeriods();
  private _views = new Map<string, IEntryView[]>();
  private _noticed = new Signal<this, IRunNotice>(this);
  private _isDisposed = false;
}
