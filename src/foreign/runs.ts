/**
 * Foreign runs for the in-flight service: the tracker, the feed of the
 * model's cells, the model the views read, and the kernel connections
 * followed (one per kernel: every connection to a kernel receives the same
 * iopub messages; each connection's session is the tab's own).
 *
 * Plain logic, no DOM: kernels are `IKernelConnectionLike`s, the rest comes
 * through callbacks.
 */
import type { IDisposable } from '@lumino/disposable';
import { ForeignFeed, type IForeignFeedOptions } from './feed';
import { followKernel, type IKernelConnectionLike } from './follow';
import { ForeignAwareModel, type IBaseEntry, type IBaseModel } from './model';
import { ForeignTracker } from './tracker';

export interface IForeignRunsOptions<E extends IBaseEntry> extends Omit<
  IForeignFeedOptions,
  'model' | 'tracker'
> {
  /** The in-flight model (this tab's and the server's runs). */
  model: IBaseModel<E>;
  /** The kernel's `execution_state` from its REST model. */
  readState: (kernelId: string) => Promise<string | null | undefined>;
  /** Options of the tracker (tests). */
  now?: () => number;
  graceMs?: number;
}

interface IFollowed {
  connections: IKernelConnectionLike[];
  handle: IDisposable | null;
  following: IKernelConnectionLike | null;
}

/**
 * Everything about foreign runs, for the in-flight service.
 */
export class ForeignRuns<E extends IBaseEntry> implements IDisposable {
  constructor(options: IForeignRunsOptions<E>) {
    this._readState = options.readState;
    this._now = options.now;
    this.tracker = new ForeignTracker({
      now: options.now,
      graceMs: options.graceMs
    });
    this.model = new ForeignAwareModel<E>({
      model: options.model,
      tracker: this.tracker,
      kernelOf: options.kernelOf,
      keys: options.keys
    });
    this._feed = new ForeignFeed({
      ...options,
      model: options.model,
      tracker: this.tracker
    });
  }

  readonly tracker: ForeignTracker;
  /** The in-flight model with foreign runs applied. */
  readonly model: ForeignAwareModel<E>;

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Follow a kernel connection of a notebook until the result is disposed
   * (the notebook closed or changed kernel).
   */
  follow(kernel: IKernelConnectionLike): IDisposable {
    const kernelId = kernel.id;
    let followed = this._kernels.get(kernelId);
    if (!followed) {
      followed = { connections: [], handle: null, following: null };
      this._kernels.set(kernelId, followed);
    }
    const record = followed;
    record.connections.push(kernel);
    if (record.handle === null) {
      this._start(record, kernel);
    } else {
      this.tracker.setOwnSession(kernelId, kernel.clientId);
    }
    this._feed.refresh(kernelId);
    let disposed = false;
    return {
      get isDisposed() {
        return disposed;
      },
      dispose: () => {
        if (disposed) {
          return;
        }
        disposed = true;
        record.connections.splice(record.connections.indexOf(kernel), 1);
        if (record.following !== kernel) {
          return;
        }
        record.handle?.dispose();
        record.handle = null;
        record.following = null;
        const next = record.connections[0];
        if (next) {
          this._start(record, next);
        } else {
          this._kernels.delete(kernelId);
          this.tracker.forget(kernelId);
        }
      }
    };
  }

  /** Derive a kernel again (e.g. a notebook moved to it). */
  refresh(kernelId: string): void {
    this._feed.refresh(kernelId);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    for (const record of this._kernels.values()) {
      record.handle?.dispose();
    }
    this._kernels.clear();
    this._feed.dispose();
  }

  private _start(record: IFollowed, kernel: IKernelConnectionLike): void {
    record.following = kernel;
    record.handle = followKernel(kernel, this.tracker, {
      readState: this._readState,
      now: this._now
    });
  }

  private _readState: (kernelId: string) => Promise<string | null | undefined>;
  private _now: (() => number) | undefined;
  private _feed: ForeignFeed;
  private _kernels = new Map<string, IFollowed>();
  private _isDisposed = false;
}
