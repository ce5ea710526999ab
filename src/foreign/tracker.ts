/**
 * Foreign runs of every kernel the tab follows: the per-kernel state the
 * in-flight model keeps for them. Plain logic with a Lumino signal, no DOM.
 *
 * The wiring feeds it:
 * - each kernel's facts (`kernelFact`): iopub messages through `iopubFact`,
 *   the REST model's `execution_state` after a (re)connection, connection
 *   and restart events;
 * - this tab's own kernel sessions (`setOwnSession`: the kernel
 *   connection's `clientId`);
 * - and, whenever the model's cells change, the inputs of the derivation
 *   (`update`).
 *
 * It keeps what the kernel does, learns the execution server's session,
 * and emits `changed` with the kernel id when the derivation says
 * something new. `recheckIn` says when a busy spell with nothing to show
 * for it will have lasted the grace (call `update` again then).
 */
import { Signal, type ISignal } from '@lumino/signaling';
import {
  EMPTY_ACTIVITY,
  busySince,
  reduceActivity,
  type IKernelActivity,
  type KernelFact
} from './activity';
import {
  deriveForeign,
  sameForeign,
  type ICellRef,
  type IDocumentCell,
  type IForeignRun,
  type IForeignState,
  type IServerCell
} from './derive';

/**
 * What the model knows of one kernel's cells when it asks for a derivation.
 */
export interface IKernelCells {
  serverCells: readonly IServerCell[];
  documentCells: readonly IDocumentCell[];
  cellsWithCode?: (code: string) => readonly ICellRef[];
}

export interface IForeignTrackerOptions {
  now?: () => number;
  /** See `IForeignInputs.graceMs`; 1000 ms by default. */
  graceMs?: number;
}

interface IKernelRecord {
  activity: IKernelActivity;
  ownSessions: Set<string>;
  serverSessions: Set<string>;
  cells: IKernelCells;
  state: IForeignState;
}

const NONE: IForeignState = Object.freeze({
  run: null,
  waiting: Object.freeze([]) as readonly ICellRef[],
  learnedSession: null
});

/**
 * Follows the foreign runs of every kernel.
 */
export class ForeignTracker {
  constructor(options: IForeignTrackerOptions = {}) {
    this._now = options.now ?? Date.now;
    this._grace = options.graceMs ?? 1000;
  }

  /** Emitted with a kernel id when its foreign state changed. */
  get changed(): ISignal<this, string> {
    return this._changed;
  }

  /**
   * Emitted with a kernel id when what the kernel does changed (a fact),
   * even if the derivation says nothing new yet (see `recheckIn`).
   */
  get activityChanged(): ISignal<this, string> {
    return this._activityChanged;
  }

  /** The foreign state of a kernel (nothing foreign when unknown). */
  state(kernelId: string): IForeignState {
    return this._kernels.get(kernelId)?.state ?? NONE;
  }

  /** Every foreign run going on. */
  runs(): IForeignRun[] {
    const runs: IForeignRun[] = [];
    for (const record of this._kernels.values()) {
      if (record.state.run) {
        runs.push(record.state.run);
      }
    }
    return runs;
  }

  /** What the tab knows of a kernel's activity. */
  activity(kernelId: string): IKernelActivity {
    return this._kernels.get(kernelId)?.activity ?? EMPTY_ACTIVITY;
  }

  /** A session of this tab on a kernel (its runs are ours, not foreign). */
  setOwnSession(kernelId: string, session: string): void {
    this._record(kernelId).ownSessions.add(session);
    this._derive(kernelId);
  }

  /**
   * A session known to be the execution server's (when a backend can tell;
   * otherwise it is learned from the first run recognised by its code).
   */
  addServerSession(kernelId: string, session: string): void {
    this._record(kernelId).serverSessions.add(session);
    this._derive(kernelId);
  }

  /** One fact about a kernel. */
  kernelFact(kernelId: string, fact: KernelFact): void {
    const record = this._record(kernelId);
    const activity = reduceActivity(record.activity, fact);
    if (activity !== record.activity) {
      record.activity = activity;
      this._derive(kernelId);
      this._activityChanged.emit(kernelId);
    }
  }

  /** The model's cells of a kernel changed (or the grace is over). */
  update(kernelId: string, cells: IKernelCells): void {
    this._record(kernelId).cells = cells;
    this._derive(kernelId);
  }

  /**
   * In how many ms a busy spell the tab cannot explain yet will count as a
   * foreign run (null: nothing pending).
   */
  recheckIn(kernelId: string): number | null {
    const record = this._kernels.get(kernelId);
    if (!record || record.state.run || record.activity.current) {
      return null;
    }
    const since = busySince(record.activity);
    if (since === null) {
      return null;
    }
    const left = since + this._grace - this._now();
    return left > 0 ? left : null;
  }

  /** Stop following a kernel (no open notebook uses it). */
  forget(kernelId: string): void {
    const record = this._kernels.get(kernelId);
    if (record && this._kernels.delete(kernelId) && record.state.run) {
      this._changed.emit(kernelId);
    }
  }

  private _record(kernelId: string): IKernelRecord {
    let record = this._kernels.get(kernelId);
    if (!record) {
      record = {
        activity: EMPTY_ACTIVITY,
        ownSessions: new Set(),
        serverSessions: new Set(),
        cells: { serverCells: [], documentCells: [] },
        state: NONE
      };
      this._kernels.set(kernelId, record);
    }
    return record;
  }

  private _derive(kernelId: string): void {
    const record = this._record(kernelId);
    const state = deriveForeign({
      kernelId,
      activity: record.activity,
      now: this._now(),
      serverSessions: record.serverSessions,
      ownSessions: record.ownSessions,
      serverCells: record.cells.serverCells,
      documentCells: record.cells.documentCells,
      cellsWithCode: record.cells.cellsWithCode,
      graceMs: this._grace
    });
    if (state.learnedSession) {
      record.serverSessions.add(state.learnedSession);
    }
    const kept = { ...state, learnedSession: null };
    if (!sameForeign(kept, record.state)) {
      record.state = kept;
      this._changed.emit(kernelId);
    }
  }

  private _now: () => number;
  private _grace: number;
  private _kernels = new Map<string, IKernelRecord>();
  private _changed = new Signal<this, string>(this);
  private _activityChanged = new Signal<this, string>(this);
}
