/**
 * When a run ends while the user looks elsewhere, tell them: the rules.
 *
 * Plain logic, no DOM. The wiring feeds `RunNotifier` the facts of each run
 * (queued, started, waiting for input, ended) and reads the page's view
 * (is the page visible, which notebook is the current widget) through a
 * callback; the notifier says which notices to show:
 *
 * - a run that lasted at least the threshold and ends while the page is
 *   hidden or its notebook is not the current widget gives one notice;
 * - a Run All (one batch id) gives one notice at its end, not one per cell;
 *   a failure ends the batch and names the failing cell;
 * - a run whose end the tab learns only when it opens or reconnects (no tab
 *   was watching) gives none: "while you were away" tells about it;
 * - a run that starts waiting for `input()` while the user looks elsewhere
 *   gives a notice at once, whatever its length;
 * - a browser notification too only while the page is hidden, the user
 *   turned them on and the browser allows them.
 */
import { Signal, type ISignal } from '@lumino/signaling';
import type { BrowserPermission, INotifySettings } from './settings';

export * from './settings';

/**
 * What the user looks at now.
 */
export interface IViewState {
  /** The page is visible (`document.visibilityState === 'visible'`). */
  pageVisible: boolean;
  /** The notebook key of the current widget, or null (not a notebook). */
  currentKey: string | null;
}

/**
 * One fact about one run of one cell.
 *
 * - `queued`: submitted (a Run All announces all its cells this way, so its
 *   end is known only once every one of them ended);
 * - `started`: running; `at` is when it started as best known (the server's
 *   listing or the document, for a run that started before the tab opened);
 * - `input`: waiting for `input()`;
 * - `ended`: over; `live` is false when the tab learned it only when it
 *   opened the notebook or reconnected.
 */
export type RunFact =
  | {
      kind: 'queued';
      key: string;
      cellId: string;
      batchId: string | null;
      at: number;
    }
  | {
      kind: 'started';
      key: string;
      cellId: string;
      batchId: string | null;
      at: number;
    }
  | { kind: 'input'; key: string; cellId: string; at: number }
  | {
      kind: 'ended';
      key: string;
      cellId: string;
      at: number;
      outcome: 'ok' | 'failed' | 'cancelled';
      live: boolean;
    };

/**
 * A notice to show.
 */
export interface IRunNotice {
  kind: 'finished' | 'failed' | 'input';
  key: string;
  /** The cell to go to: the failing cell, the batch's last cell, the prompt. */
  cellId: string;
  /** How many cells ended (a Run All's cells that ran). */
  cells: number;
  /** Whether it is a batch (Run All) of several cells. */
  batch: boolean;
  /** How long it lasted (ms); 0 for `input`. */
  durationMs: number;
  /** Show a browser notification too. */
  browser: boolean;
  /**
   * Notices with the same tag are one (browsers replace them): the same
   * for every tab that shows it.
   */
  tag: string;
}

export interface IRunNotifierOptions {
  settings: () => Readonly<INotifySettings>;
  view: () => IViewState;
  permission: () => BrowserPermission;
}

/** How many finished batch ids are remembered (to drop their late facts). */
const DONE_CAP = 200;

interface IRun {
  key: string;
  cellId: string;
  batch: IBatch | null;
  startedAt: number | null;
  heardAt: number;
  asked: boolean;
}

interface IBatch {
  id: string;
  key: string;
  pending: Set<string>;
  startedAt: number | null;
  heardAt: number;
  ran: number;
  last: string | null;
  live: boolean;
}

/**
 * Follows runs and says when to notify.
 */
export class RunNotifier {
  constructor(options: IRunNotifierOptions) {
    this._settings = options.settings;
    this._view = options.view;
    this._permission = options.permission;
  }

  /** Emitted with each notice to show. */
  get noticed(): ISignal<this, IRunNotice> {
    return this._noticed;
  }

  /**
   * Take one fact; returns the notices it gives (also emitted).
   */
  add(fact: RunFact): IRunNotice[] {
    const id = cellKey(fact.key, fact.cellId);
    switch (fact.kind) {
      case 'queued':
      case 'started': {
        const run = this._track(id, fact);
        if (fact.kind === 'started') {
          run.startedAt = Math.min(run.startedAt ?? fact.at, fact.at);
          if (run.batch) {
            run.batch.startedAt = Math.min(
              run.batch.startedAt ?? fact.at,
              fact.at
            );
          }
        }
        return [];
      }
      case 'input': {
        const run =
          this._runs.get(id) ?? this._track(id, { ...fact, batchId: null });
        if (run.asked) {
          return [];
        }
        run.asked = true;
        return this._emit(
          this._decide('input', fact.key, fact.cellId, 1, false, 0)
        );
      }
      case 'ended':
        return this._emit(this._end(id, fact));
    }
  }

  /** Forget a notebook (it closed). */
  forget(key: string): void {
    for (const [id, run] of this._runs) {
      if (run.key === key) {
        this._runs.delete(id);
      }
    }
    for (const [id, batch] of this._batches) {
      if (batch.key === key) {
        this._batches.delete(id);
      }
    }
  }

  private _track(
    id: string,
    fact: { key: string; cellId: string; batchId: string | null; at: number }
  ): IRun {
    let run = this._runs.get(id);
    if (!run) {
      run = {
        key: fact.key,
        cellId: fact.cellId,
        batch: null,
        startedAt: null,
        heardAt: fact.at,
        asked: false
      };
      this._runs.set(id, run);
    }
    if (fact.batchId !== null && !run.batch) {
      const batchKey = cellKey(fact.key, fact.batchId);
      if (this._done.has(batchKey)) {
        // A cell of a batch already over (it failed): not news.
        this._runs.delete(id);
        run.batch = null;
        return run;
      }
      let batch = this._batches.get(batchKey);
      if (!batch) {
        batch = {
          id: fact.batchId,
          key: fact.key,
          pending: new Set(),
          startedAt: null,
          heardAt: fact.at,
          ran: 0,
          last: null,
          live: true
        };
        this._batches.set(batchKey, batch);
      }
      batch.pending.add(id);
      run.batch = batch;
    }
    return run;
  }

  private _end(
    id: string,
    fact: Extract<RunFact, { kind: 'ended' }>
  ): IRunNotice | null {
    const run = this._runs.get(id);
    this._runs.delete(id);
    const startedAt = run ? (run.startedAt ?? run.heardAt) : fact.at;
    const batch = run?.batch ?? null;
    if (!batch) {
      if (!fact.live || fact.outcome === 'cancelled') {
        return null;
      }
      return this._decide(
        fact.outcome === 'failed' ? 'failed' : 'finished',
        fact.key,
        fact.cellId,
        1,
        false,
        fact.at - startedAt
      );
    }
    batch.pending.delete(id);
    batch.live = batch.live && fact.live;
    if (fact.outcome !== 'cancelled') {
      batch.ran++;
      batch.last = fact.cellId;
    }
    const failed = fact.outcome === 'failed';
    if (!failed && batch.pending.size > 0) {
      return null;
    }
    // The batch is over: every cell ended, or one failed (the server drops
    // the rest, and what still ends of it is not news).
    const batchKey = cellKey(batch.key, batch.id);
    this._batches.delete(batchKey);
    this._done.add(batchKey);
    if (this._done.size > DONE_CAP) {
      this._done.delete(this._done.values().next().value!);
    }
    for (const pending of batch.pending) {
      this._runs.delete(pending);
    }
    if (!batch.live || batch.last === null) {
      return null;
    }
    return this._decide(
      failed ? 'failed' : 'finished',
      batch.key,
      failed ? fact.cellId : batch.last,
      batch.ran,
      batch.ran > 1,
      fact.at - (batch.startedAt ?? batch.heardAt)
    );
  }

  private _decide(
    kind: IRunNotice['kind'],
    key: string,
    cellId: string,
    cells: number,
    batch: boolean,
    durationMs: number
  ): IRunNotice | null {
    const settings = this._settings();
    if (!settings.enabled) {
      return null;
    }
    if (kind !== 'input' && durationMs < settings.thresholdMs) {
      return null;
    }
    const view = this._view();
    if (view.pageVisible && view.currentKey === key) {
      return null;
    }
    return {
      kind,
      key,
      cellId,
      cells,
      batch,
      durationMs: Math.max(0, durationMs),
      browser:
        settings.browser &&
        !view.pageVisible &&
        this._permission() === 'granted',
      // Every tab that shows this notice names it alike (batch ids are
      // per tab), so a browser shows it once.
      tag: `handoff:${kind}:${key}:${cellId}`
    };
  }

  private _emit(notice: IRunNotice | null): IRunNotice[] {
    if (!notice) {
      return [];
    }
    this._noticed.emit(notice);
    return [notice];
  }

  private _settings: () => Readonly<INotifySettings>;
  private _view: () => IViewState;
  private _permission: () => BrowserPermission;
  private _runs = new Map<string, IRun>();
  private _batches = new Map<string, IBatch>();
  private _done = new Set<string>();
  private _noticed = new Signal<this, IRunNotice>(this);
}

function cellKey(key: string, id: string): string {
  return `${key}\u0000${id}`;
}
