/**
 * One poller per kernel over the server's list of executions in flight, on
 * `@lumino/polling`'s `Poll`.
 *
 * It polls while somebody tracks a request of the kernel (this tab's runs):
 * every `minMs` after a change, backing off to `maxMs` while nothing
 * changes, with exponential backoff while the server cannot be reached.
 * Reads nobody waits on (for the indicator) stand by while the page is
 * hidden; this tab's own runs are followed hidden or not. `refresh()` reads once more soon
 * (a notebook opened or reconnected, the in-flight model needs fresh facts),
 * also when nothing is tracked. A 404 or 405 **from the listing route**
 * stops the kernel's poller for good (until `reset`): the server has no
 * listing. Results of reads that overlap are applied in order, never an
 * older one after a newer one.
 */
import type { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { Signal, type ISignal } from '@lumino/signaling';
import { isMissingRoute } from '../backend/types';
import { Timings } from '../timings';
import type {
  IExecutionBackend,
  IInFlightRequest,
  RequestStatus
} from '../tokens';

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

interface IKernelPoll {
  poll: Poll<void, unknown, 'stand-by'>;
  watchers: Map<string, Set<(status: TrackedStatus) => void>>;
  last: Map<string, RequestStatus> | null;
  interval: number;
  /** Reads started, and the sequence number of the last one applied. */
  started: number;
  applied: number;
}

/**
 * Polls `listInFlight` per kernel.
 */
export class ListingPoller implements IDisposable {
  constructor(options: IListingPollerOptions) {
    this._backend = options.backend;
    this._min = options.minMs ?? Timings.listingMin;
    this._max = options.maxMs ?? Timings.listingMax;
    this._debounce = options.debounceMs ?? this._min;
    this._standby = options.standby ?? 'when-hidden';
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
    return this._unsupported.has(kernelId);
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
    const state = this._kernel(kernelId);
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
        const callbacks = state?.watchers.get(requestId);
        callbacks?.delete(onStatus);
        if (callbacks && callbacks.size === 0) {
          state!.watchers.delete(requestId);
        }
        const phase = state?.poll.state.phase;
        if (state && state.watchers.size === 0 && phase !== 'refreshed') {
          // Nobody waits on this kernel any more: stop polling it.
          void state.poll.stop();
        }
      }
    };
    if (!state) {
      return handle;
    }
    const callbacks = state.watchers.get(requestId) ?? new Set();
    callbacks.add(onStatus);
    state.watchers.set(requestId, callbacks);
    state.interval = this._min;
    this._setInterval(state);
    if (
      state.poll.state.phase === 'constructed' ||
      state.poll.state.phase === 'stopped'
    ) {
      void state.poll.schedule({ interval: this._min, phase: 'started' });
    }
    return handle;
  }

  /**
   * Read a kernel's listing soon (after the debounce delay), or now.
   */
  refresh(kernelId: string, immediate = false): void {
    const state = this._kernel(kernelId);
    if (!state) {
      return;
    }
    if (immediate) {
      void state.poll.refresh();
    } else {
      const due = Date.now() + this._debounce;
      const { phase, timestamp, interval } = state.poll.state;
      const running = phase !== 'constructed' && phase !== 'stopped';
      if (running && timestamp + interval <= due) {
        // A read is due sooner anyway.
        return;
      }
      void state.poll.schedule({
        interval: this._debounce,
        phase: 'refreshed'
      });
    }
  }

  /**
   * Forget that a kernel's server had no listing (it may have changed after
   * a reconnect).
   */
  reset(kernelId: string): void {
    this._unsupported.delete(kernelId);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    for (const state of this._kernels.values()) {
      state.poll.dispose();
    }
    this._kernels.clear();
    Signal.clearData(this);
  }

  private _kernel(kernelId: string): IKernelPoll | null {
    if (this._isDisposed || this._unsupported.has(kernelId)) {
      return null;
    }
    const backend = this._backend();
    if (!backend?.capabilities.listing || !backend.listInFlight) {
      return null;
    }
    let state = this._kernels.get(kernelId);
    if (!state) {
      const created: IKernelPoll = {
        poll: new Poll<void, unknown, 'stand-by'>({
          auto: false,
          factory: () => this._read(kernelId, created),
          frequency: { interval: this._min, max: this._max, backoff: true },
          // While this tab waits on a run of the kernel it keeps polling,
          // hidden or not: it is the only one to end those runs' `[*]` when
          // the server drops them (an interrupt from another browser).
          standby: () =>
            created.watchers.size > 0
              ? 'never'
              : typeof this._standby === 'function'
                ? this._standby()
                : this._standby,
          name: `@jupyterlab-handoff/extension:listing:${kernelId}`
        }),
        watchers: new Map(),
        last: null,
        interval: this._min,
        started: 0,
        applied: 0
      };
      state = created;
      this._kernels.set(kernelId, state);
    }
    return state;
  }

  private _setInterval(state: IKernelPoll): void {
    state.poll.frequency = {
      interval: state.interval,
      max: Math.max(this._max, state.interval),
      backoff: true
    };
  }

  private async _read(kernelId: string, state: IKernelPoll): Promise<void> {
    const backend = this._backend();
    const sequence = ++state.started;
    let requests: IInFlightRequest[];
    try {
      if (!backend?.listInFlight) {
        throw new Error('no listing');
      }
      requests = await backend.listInFlight(kernelId);
    } catch (reason) {
      if (isMissingRoute(reason) || !backend?.listInFlight) {
        this._stop(kernelId, state);
        return;
      }
      // Unreachable or erroring: the runs go on there; the poll backs off.
      throw reason;
    }
    if (this._isDisposed || sequence < state.applied) {
      return;
    }
    state.applied = sequence;
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
    this._listed.emit({ kernelId, requests });
    if (state.watchers.size === 0) {
      // Nobody waits on this kernel: this was a one-off read.
      void state.poll.stop();
      return;
    }
    state.interval = changed
      ? this._min
      : Math.min(this._max, Math.round(state.interval * 1.5));
    this._setInterval(state);
  }

  private _stop(kernelId: string, state: IKernelPoll): void {
    this._unsupported.add(kernelId);
    state.poll.dispose();
    this._kernels.delete(kernelId);
    this._stopped.emit(kernelId);
  }

  private _backend: () => IExecutionBackend | null;
  private _min: number;
  private _max: number;
  private _debounce: number;
  private _standby: Poll.Standby | (() => boolean | Poll.Standby);
  private _kernels = new Map<string, IKernelPoll>();
  private _unsupported = new Set<string>();
  private _isDisposed = false;
  private _listed = new Signal<this, IListing>(this);
  private _stopped = new Signal<this, string>(this);
}
