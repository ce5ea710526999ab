/**
 * One poller per kernel over the server's list of executions in flight, on
 * `@lumino/polling`'s `Poll` (the bookkeeping in `./kernelpolls`).
 *
 * It polls while somebody tracks a request of the kernel (this tab's runs),
 * or while a notebook open here follows the kernel and its last read listed
 * anything: every `minMs` after a change,
 * backing off to `maxMs` while nothing changes, with exponential backoff
 * while the server cannot be reached. Reads nobody waits on (for the
 * indicator) stand by while the page is hidden; this tab's own runs are
 * followed hidden or not. `refresh()` reads once more soon (a notebook
 * opened or reconnected, the in-flight model needs fresh facts), also when
 * nothing is tracked. A 404 or 405 **from the listing route**
 * stops the kernel's poller for good (until `reset`): the server has no
 * listing. Results of reads that overlap are applied in order, never an
 * older one after a newer one.
 */
import { DisposableDelegate, type IDisposable } from '@lumino/disposable';
import type { Poll } from '@lumino/polling';
import { Signal, type ISignal } from '@lumino/signaling';
import { isMissingRoute } from '../backend/types';
import { Timings } from '../timings';
import type {
  IExecutionBackend,
  IInFlightRequest,
  RequestStatus
} from '../tokens';
import { KernelPolls, type IKernelPoll, type ReadOutcome } from './kernelpolls';

/**
 * A tracked request's status, or `gone` once the server stopped listing it
 * (finished, dropped, or lost in a restart).
 */
export type TrackedStatus = RequestStatus | 'gone';

export interface IListing {
  kernelId: string;
  requests: IInFlightRequest[];
}

export interface IListingPollerOptions {
  /** The backend to ask; `null` (or one without a listing): no polling. */
  backend: () => IExecutionBackend | null;
  /** The interval after a change, and the first one (ms). */
  minMs?: number;
  /** The longest interval while nothing changes (ms). */
  maxMs?: number;
  /** How long a non-immediate `refresh` waits (ms); about `minMs`. */
  debounceMs?: number;
  /** `'when-hidden'` in the page; tests may pass `'never'`. */
  standby?: Poll.Standby | (() => boolean | Poll.Standby);
}

/** What the poller keeps of a kernel. */
interface IListingState {
  watchers: Map<string, Set<(status: TrackedStatus) => void>>;
  last: Map<string, RequestStatus> | null;
}

type KernelPoll = IKernelPoll<IListingState>;

/** The backend has no listing (any more): as good as a missing route. */
class NoListing extends Error {}

/**
 * Polls `listInFlight` per kernel.
 */
export class ListingPoller implements IDisposable {
  constructor(options: IListingPollerOptions) {
    this._backend = options.backend;
    const min = options.minMs ?? Timings.listingMin;
    this._debounce = options.debounceMs ?? min;
    this._polls = new KernelPolls<IListingState, IInFlightRequest[]>({
      name: '@jupyterlab-handoff/extension:listing',
      minMs: min,
      maxMs: options.maxMs ?? Timings.listingMax,
      standby: options.standby ?? 'when-hidden',
      create: () => ({ watchers: new Map(), last: null }),
      read: kernel => this._read(kernel),
      apply: (kernel, requests) => this._apply(kernel, requests),
      // While this tab waits on a run of the kernel it keeps polling,
      // hidden or not: it is the only one to end those runs' `[*]` when
      // the server drops them (an interrupt from another browser).
      keepAwake: kernel => kernel.state.watchers.size > 0,
      isMissing: reason => reason instanceof NoListing || isMissingRoute(reason)
    });
    this._polls.stopped.connect((_, kernelId) => this._stopped.emit(kernelId));
  }

  /** Emitted after each listing read. */
  get listed(): ISignal<this, IListing> {
    return this._listed;
  }

  /** Emitted with a kernel id when its listing route answered 404 or 405. */
  get stopped(): ISignal<this, string> {
    return this._stopped;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Whether the kernel's poller was stopped by a missing route. */
  isStopped(kernelId: string): boolean {
    return this._polls.isStopped(kernelId);
  }

  /**
   * Follow one request; `onStatus` is called after every listing with its
   * status. Polls the kernel while anything is tracked.
   */
  track(
    kernelId: string,
    requestId: string,
    onStatus: (status: TrackedStatus) => void
  ): IDisposable {
    const kernel = this._kernel(kernelId);
    const watchers = kernel?.state.watchers;
    let disposed = false;
    const handle = {
      get isDisposed() {
        return disposed;
      },
      dispose: () => {
        if (disposed) {
          return;
        }
        disposed = true;
        const callbacks = watchers?.get(requestId);
        callbacks?.delete(onStatus);
        if (callbacks && callbacks.size === 0) {
          watchers!.delete(requestId);
        }
        this._stopIfIdle(kernel ?? undefined);
      }
    };
    if (!kernel || !watchers) {
      return handle;
    }
    const callbacks = watchers.get(requestId) ?? new Set();
    callbacks.add(onStatus);
    watchers.set(requestId, callbacks);
    this._polls.quicken(kernel);
    if (this._polls.isIdle(kernel)) {
      this._polls.start(kernel);
    }
    return handle;
  }

  /**
   * A notebook open here shows this kernel: while its listing lists
   * anything, read it again (backing off, standing by while the page is
   * hidden) until it is empty, even with nothing tracked. Otherwise a
   * request the server drops without a word in the document (browser B
   * interrupts browser A's Run All, and B's read came just before the
   * server emptied its queue) would show as queued here for good.
   */
  follow(kernelId: string): IDisposable {
    this._followers.set(kernelId, (this._followers.get(kernelId) ?? 0) + 1);
    return new DisposableDelegate(() => {
      const left = (this._followers.get(kernelId) ?? 1) - 1;
      if (left > 0) {
        this._followers.set(kernelId, left);
        return;
      }
      this._followers.delete(kernelId);
      this._stopIfIdle(this._polls.get(kernelId));
    });
  }

  /**
   * Read a kernel's listing soon (after the debounce delay), or now.
   */
  refresh(kernelId: string, immediate = false): void {
    const kernel = this._kernel(kernelId);
    if (kernel) {
      this._polls.refresh(kernel, immediate ? undefined : this._debounce);
    }
  }

  /**
   * Forget that a kernel's server had no listing (it may have changed after
   * a reconnect).
   */
  reset(kernelId: string): void {
    this._polls.reset(kernelId);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._polls.dispose();
    Signal.clearData(this);
  }

  private _kernel(kernelId: string): KernelPoll | null {
    if (this._isDisposed || this._polls.isStopped(kernelId)) {
      return null;
    }
    const backend = this._backend();
    if (!backend?.capabilities.listing || !backend.listInFlight) {
      return null;
    }
    return this._polls.ensure(kernelId);
  }

  private async _read(kernel: KernelPoll): Promise<IInFlightRequest[]> {
    const backend = this._backend();
    if (!backend?.listInFlight) {
      throw new NoListing();
    }
    return backend.listInFlight(kernel.kernelId);
  }

  private _apply(
    kernel: KernelPoll,
    requests: IInFlightRequest[]
  ): ReadOutcome {
    const { state } = kernel;
    const current = new Map(requests.map(r => [r.requestId, r.status]));
    let changed = state.last === null || current.size !== state.last.size;
    for (const [requestId, status] of current) {
      if (state.last?.get(requestId) !== status) {
        changed = true;
      }
    }
    state.last = current;
    for (const [requestId, callbacks] of [...state.watchers]) {
      const status: TrackedStatus = current.get(requestId) ?? 'gone';
      for (const callback of [...callbacks]) {
        callback(status);
      }
    }
    this._listed.emit({ kernelId: kernel.kernelId, requests });
    if (!this._keepsPolling(kernel)) {
      // Nobody waits on this kernel: this was a one-off read.
      return 'done';
    }
    return changed ? 'changed' : 'same';
  }

  /** Nobody waits on the kernel any more: stop polling it (not a refresh). */
  private _stopIfIdle(kernel: KernelPoll | undefined): void {
    if (
      kernel &&
      kernel.poll.state.phase !== 'refreshed' &&
      !this._keepsPolling(kernel)
    ) {
      void kernel.poll.stop();
    }
  }

  /**
   * Whether to read the kernel again: this tab waits on a run of it, or a
   * notebook open here shows it and the last read listed something.
   */
  private _keepsPolling(kernel: KernelPoll): boolean {
    const { state } = kernel;
    return (
      state.watchers.size > 0 ||
      (!!this._followers.get(kernel.kernelId) && !!state.last?.size)
    );
  }

  private _backend: () => IExecutionBackend | null;
  private _followers = new Map<string, number>();
  private _debounce: number;
  private _polls: KernelPolls<IListingState, IInFlightRequest[]>;
  private _isDisposed = false;
  private _listed = new Signal<this, IListing>(this);
  private _stopped = new Signal<this, string>(this);
}
