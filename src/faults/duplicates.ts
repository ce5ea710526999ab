/**
 * Two kernels for one notebook.
 *
 * JupyterLab (stock 4.6 too) creates a notebook's session under a random
 * path and renames it to the notebook's path afterwards, so two browsers
 * opening the same notebook at the same moment can each create one: two
 * sessions and two kernels for one path. Each tab then runs on its own
 * kernel and the handoff falls apart.
 *
 * This module finds such notebooks in the server's session list (the one
 * JupyterLab's session manager polls) and resolves one: the newer
 * sessions are moved onto the older session's kernel (PATCH, which makes
 * jupyter-server shut the newer kernel down), so every tab, whichever
 * session it holds, ends up on the older kernel. "Older" is the order of
 * jupyter-server's session list, which is the order of creation (its
 * session table is listed by insertion).
 */
import type { Session } from '@jupyterlab/services';
import { Poll } from '@lumino/polling';
import { Signal, type ISignal } from '@lumino/signaling';
import { Timings } from '../timings';

/** Sessions of one path on more than one kernel. */
export interface IDuplicateKernels {
  path: string;
  /** The kernel every tab should use: the oldest session's. */
  keep: { sessionId: string; kernelId: string };
  /** The newer sessions on other kernels, oldest first. */
  move: { sessionId: string; kernelId: string }[];
}

/**
 * The duplicates among the given paths, from a session list in the
 * server's order.
 */
export function findDuplicates(
  sessions: Iterable<Session.IModel>,
  paths: ReadonlySet<string>
): IDuplicateKernels[] {
  const byPath = new Map<string, Session.IModel[]>();
  for (const session of sessions) {
    if (!session.kernel || !paths.has(session.path)) {
      continue;
    }
    const list = byPath.get(session.path) ?? [];
    list.push(session);
    byPath.set(session.path, list);
  }
  const found: IDuplicateKernels[] = [];
  for (const [path, list] of byPath) {
    const keep = list[0];
    const move = list
      .filter(s => s.kernel!.id !== keep.kernel!.id)
      .map(s => ({ sessionId: s.id, kernelId: s.kernel!.id }));
    if (move.length) {
      found.push({
        path,
        keep: { sessionId: keep.id, kernelId: keep.kernel!.id },
        move
      });
    }
  }
  return found;
}

/** A stable key for one set of duplicates (to tell it once). */
export function duplicatesKey(found: IDuplicateKernels): string {
  return [
    found.path,
    found.keep.kernelId,
    ...found.move.map(m => m.kernelId).sort()
  ].join('\n');
}

/** What the watch needs from JupyterLab's session manager. */
export interface ISessionSource {
  running(): IterableIterator<Session.IModel>;
  readonly runningChanged: ISignal<unknown, Session.IModel[]>;
  refreshRunning(): Promise<void>;
}

export interface IDuplicateWatchOptions {
  sessions: ISessionSource;
  /** The paths of the notebooks open in this tab. */
  openPaths: () => ReadonlySet<string>;
  /** Move a session onto a kernel (`SessionAPI.updateSession`). */
  moveSession: (sessionId: string, kernelId: string) => Promise<unknown>;
  /**
   * While duplicates are known, how often to read the session list (ms,
   * `Timings.duplicateRefresh` by default), so a tab on a moved session
   * follows soon after another tab resolved them.
   */
  refreshMs?: number;
}

/**
 * Emits `found` once per set of duplicate kernels of a notebook open here,
 * and `resolved` when a set is gone (resolved here or elsewhere).
 */
export class DuplicateKernelWatch {
  constructor(private readonly _options: IDuplicateWatchOptions) {
    _options.sessions.runningChanged.connect(this.check, this);
    this._poll = new Poll({
      auto: false,
      factory: () => _options.sessions.refreshRunning(),
      frequency: {
        interval: _options.refreshMs ?? Timings.duplicateRefresh,
        backoff: false
      },
      name: '@jupyterlab-handoff/extension:duplicate-kernels',
      standby: 'when-hidden'
    });
  }

  get found(): ISignal<this, IDuplicateKernels> {
    return this._found;
  }

  get resolved(): ISignal<this, IDuplicateKernels> {
    return this._resolved;
  }

  /** The duplicates known now. */
  get current(): IDuplicateKernels[] {
    return [...this._current.values()];
  }

  /** Look at the session list again (e.g. a notebook was opened). */
  check(): void {
    if (this._disposed) {
      return;
    }
    const now = findDuplicates(
      this._options.sessions.running(),
      this._options.openPaths()
    );
    const keys = new Map(now.map(found => [duplicatesKey(found), found]));
    for (const [key, found] of this._current) {
      if (!keys.has(key)) {
        this._current.delete(key);
        this._resolved.emit(found);
      }
    }
    for (const [key, found] of keys) {
      if (!this._current.has(key)) {
        this._current.set(key, found);
        this._found.emit(found);
      }
    }
    if (this._current.size) {
      void this._poll.start();
    } else {
      void this._poll.stop();
    }
  }

  /**
   * Put every session of the notebook on the older kernel; the server
   * shuts the newer kernels down. Refreshes the session list so this tab
   * follows at once (other tabs follow at their next poll of it).
   */
  async resolve(found: IDuplicateKernels): Promise<void> {
    for (const { sessionId } of found.move) {
      await this._options.moveSession(sessionId, found.keep.kernelId);
    }
    await this._options.sessions.refreshRunning();
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._options.sessions.runningChanged.disconnect(this.check, this);
    this._poll.dispose();
    Signal.clearData(this);
  }

  private _poll: Poll;
  private _current = new Map<string, IDuplicateKernels>();
  private _found = new Signal<this, IDuplicateKernels>(this);
  private _resolved = new Signal<this, IDuplicateKernels>(this);
  private _disposed = false;
}
