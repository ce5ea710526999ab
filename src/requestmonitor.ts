/**
 * One poller per kernel over the server's list of executions in flight.
 *
 * The shared document normally tells us first that a cell finished; this
 * monitor is the safety net for when it does not (a room rebuilt, a missed
 * update) and the source of queued/running/input states. It polls only while
 * somebody watches a kernel, and backs off while nothing changes.
 */
import type { IDisposable } from '@lumino/disposable';
import { Signal, type ISignal } from '@lumino/signaling';
import type {
  IExecutionBackend,
  IInFlightRequest,
  RequestStatus
} from './backend/types';

/**
 * What the monitor knows of a tracked request: its state, or `gone` once the
 * server stopped listing it (finished, dropped, or lost in a restart).
 */
export type TrackedStatus = RequestStatus | 'gone';

export interface IRequestMonitorOptions {
  backend: IExecutionBackend;
  /** First delay between polls, and the delay after any change (ms). */
  minIntervalMs?: number;
  /** Longest delay between polls while nothing changes (ms). */
  maxIntervalMs?: number;
}

interface IKernelState {
  watchers: Map<string, Set<(status: TrackedStatus) => void>>;
  last: Map<string, RequestStatus>;
  interval: number;
  timer: ReturnType<typeof setTimeout> | null;
}

/**
 * Polls `listInFlight` per kernel while requests of that kernel are tracked.
 */
export class RequestMonitor implements IDisposable {
  constructor(options: IRequestMonitorOptions) {
    this._backend = options.backend;
    this._minInterval = options.minIntervalMs ?? 1000;
    this._maxInterval = options.maxIntervalMs ?? 5000;
  }

  /**
   * Emitted after each successful listing of a kernel.
   */
  get listed(): ISignal<
    this,
    { kernelId: string; requests: IInFlightRequest[] }
  > {
    return this._listed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Follow one request; `onStatus` is called whenever its status changes.
   */
  track(
    kernelId: string,
    requestId: string,
    onStatus: (status: TrackedStatus) => void
  ): IDisposable {
    const state = this._kernel(kernelId);
    const callbacks = state.watchers.get(requestId) ?? new Set();
    callbacks.add(onStatus);
    state.watchers.set(requestId, callbacks);
    this.poke(kernelId);
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
        callbacks.delete(onStatus);
        if (callbacks.size === 0) {
          state.watchers.delete(requestId);
        }
        if (state.watchers.size === 0 && state.timer !== null) {
          clearTimeout(state.timer);
          state.timer = null;
        }
      }
    };
  }

  /**
   * Something happened on this kernel: poll soon again.
   */
  poke(kernelId: string): void {
    const state = this._kernel(kernelId);
    state.interval = this._minInterval;
    this._schedule(kernelId, state);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    for (const state of this._kernels.values()) {
      if (state.timer !== null) {
        clearTimeout(state.timer);
      }
    }
    this._kernels.clear();
    Signal.clearData(this);
  }

  private _kernel(kernelId: string): IKernelState {
    let state = this._kernels.get(kernelId);
    if (!state) {
      state = {
        watchers: new Map(),
        last: new Map(),
        interval: this._minInterval,
        timer: null
      };
      this._kernels.set(kernelId, state);
    }
    return state;
  }

  private _schedule(kernelId: string, state: IKernelState): void {
    if (this._isDisposed || state.watchers.size === 0) {
      return;
    }
    if (state.timer !== null) {
      clearTimeout(state.timer);
    }
    state.timer = setTimeout(() => {
      state.timer = null;
      void this._poll(kernelId, state);
    }, state.interval);
  }

  private async _poll(kernelId: string, state: IKernelState): Promise<void> {
    let requests: IInFlightRequest[];
    try {
      requests = await this._backend.listInFlight(kernelId);
    } catch {
      // The server is unreachable or erroring: the executions go on there,
      // so keep waiting, slowly.
      state.interval = this._maxInterval;
      this._schedule(kernelId, state);
      return;
    }
    if (this._isDisposed) {
      return;
    }
    const current = new Map(requests.map(r => [r.requestId, r.status]));
    let changed = current.size !== state.last.size;
    for (const [requestId, callbacks] of [...state.watchers]) {
      const status: TrackedStatus = current.get(requestId) ?? 'gone';
      if (state.last.get(requestId) !== current.get(requestId)) {
        changed = true;
      }
      for (const callback of [...callbacks]) {
        callback(status);
      }
    }
    state.last = current;
    this._listed.emit({ kernelId, requests });
    state.interval = changed
      ? this._minInterval
      : Math.min(this._maxInterval, Math.round(state.interval * 1.5));
    this._schedule(kernelId, state);
  }

  private _backend: IExecutionBackend;
  private _minInterval: number;
  private _maxInterval: number;
  private _kernels = new Map<string, IKernelState>();
  private _isDisposed = false;
  private _listed = new Signal<
    this,
    { kernelId: string; requests: IInFlightRequest[] }
  >(this);
}
