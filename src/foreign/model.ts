/**
 * The in-flight model with foreign runs applied: the read side the views
 * use. It wraps the model of this tab's and the server's runs, and the
 * foreign-run tracker:
 *
 * - `entries` flags the cell another client runs (`foreign`), adds it when
 *   the model does not list it, and shows our cells waiting behind it as
 *   queued;
 * - `counts` counts only the entries not run by another client;
 * - `foreignRuns(key)` are the foreign runs on the notebook's kernel;
 * - `changed` fires for the model's changes and, for every notebook on the
 *   kernel, for the tracker's.
 */
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';
import type { IForeignRun } from './derive';
import type { ForeignTracker } from './tracker';
import { applyForeign, countOwn, type IEntryLike } from './words';

/**
 * The fields of the model's entries used here (the rest are kept).
 */
export interface IBaseEntry extends IEntryLike {
  readonly firstSeen: number;
  readonly kernelId: string | null;
  readonly requestId: string | null;
  readonly ours: boolean;
  readonly source: string;
}

/**
 * The subset of the in-flight model wrapped.
 */
export interface IBaseModel<E extends IBaseEntry> {
  readonly changed: ISignal<unknown, { keys: string[] }>;
  entries(key?: string): E[];
}

export interface IForeignModelOptions<E extends IBaseEntry> {
  model: IBaseModel<E>;
  tracker: ForeignTracker;
  /** The kernel of a notebook, if it has one. */
  kernelOf: (key: string) => string | null;
  /** The open notebooks' keys. */
  keys: () => string[];
}

export type ForeignEntry<E> = E & { readonly foreign: boolean };

/**
 * The model the views read.
 */
export class ForeignAwareModel<E extends IBaseEntry> {
  constructor(options: IForeignModelOptions<E>) {
    this._options = options;
    options.model.changed.connect(
      (_, change) => this._changed.emit(change),
      this
    );
    options.tracker.changed.connect((_, kernelId) => {
      const keys = options
        .keys()
        .filter(key => options.kernelOf(key) === kernelId);
      if (keys.length) {
        this._changed.emit({ keys });
      }
    }, this);
  }

  get changed(): ISignal<this, { keys: string[] }> {
    return this._changed;
  }

  /** The entries of one notebook, or of all, with foreign runs applied. */
  entries(key?: string): ForeignEntry<E>[] {
    const keys = key === undefined ? this._options.keys() : [key];
    const base = this._options.model.entries(key);
    const result: ForeignEntry<E>[] = [];
    for (const k of keys) {
      const kernelId = this._options.kernelOf(k);
      const states = kernelId ? [this._options.tracker.state(kernelId)] : [];
      const mine = base.filter(entry => entry.key === k);
      result.push(
        ...applyForeign(mine, states, (run, cell) =>
          cell.key === k ? this._entryOf(run, cell.cellId, k) : null
        )
      );
    }
    // Entries of keys the caller did not list (should not happen) stay.
    if (key === undefined) {
      const listed = new Set(keys);
      for (const entry of base) {
        if (!listed.has(entry.key)) {
          result.push({ ...entry, foreign: false });
        }
      }
    }
    return result;
  }

  /** One cell's entry, if it has one. */
  entry(key: string, cellId: string): ForeignEntry<E> | undefined {
    return this.entries(key).find(entry => entry.cellId === cellId);
  }

  /** Counts of the entries not run by another client. */
  counts(key?: string): {
    queued: number;
    running: number;
    input: number;
    stale: number;
  } {
    return countOwn(this.entries(key));
  }

  /** The foreign runs on a notebook's kernel (or on every kernel). */
  foreignRuns(key?: string): IForeignRun[] {
    if (key === undefined) {
      return this._options.tracker.runs();
    }
    const kernelId = this._options.kernelOf(key);
    const run = kernelId ? this._options.tracker.state(kernelId).run : null;
    return run ? [run] : [];
  }

  private _entryOf(run: IForeignRun, cellId: string, key: string): E {
    return {
      key,
      cellId,
      state: 'running',
      since: run.since,
      firstSeen: run.since,
      kernelId: run.kernelId,
      requestId: null,
      ours: false,
      source: 'document'
    } as unknown as E;
  }

  private _options: IForeignModelOptions<E>;
  private _changed = new Signal<this, { keys: string[] }>(this);
}
