/**
 * Reads the server's list of requests in flight for the in-flight model.
 *
 * A tab that submitted nothing has no `RequestMonitor` polling for it, so it
 * asks for a listing itself: when a notebook opens or reconnects, and when
 * the model says a fresh listing would settle a cell (`listingNeeded`).
 * Requests per kernel are debounced and never overlap.
 */
import type { IDisposable } from '@lumino/disposable';
import type { IExecutionBackend } from '../backend/types';
import { BackendError } from '../backend/types';
import type { InFlightModel } from './model';

export interface IListingReaderOptions {
  model: InFlightModel;
  backend: Pick<IExecutionBackend, 'listInFlight'>;
  /** Quiet time before a requested listing is read (ms). Default 1000. */
  debounceMs?: number;
  /** Delay before retrying after the server could not answer (ms). */
  retryMs?: number;
}

interface IKernelListing {
  timer: ReturnType<typeof setTimeout> | null;
  running: boolean;
  /** Asked again while a listing was being read. */
  again: boolean;
  /** The server has no listing endpoint for this kernel: stop asking. */
  unsupported: boolean;
}

/**
 * Feeds `InFlightModel.applyListing` from `IExecutionBackend.listInFlight`.
 */
export class ListingReader implements IDisposable {
  constructor(options: IListingReaderOptions) {
    this._model = options.model;
    this._backend = options.backend;
    this._debounce = options.debounceMs ?? 1000;
    this._retry = options.retryMs ?? 5000;
    this._model.listingNeeded.connect(this._onNeeded, this);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Read a listing of a kernel: now (a notebook opened, a tab reconnected)
   * or after the debounce delay.
   */
  request(kernelId: string, immediate = false): void {
    if (this._isDisposed) {
      return;
    }
    const state = this._state(kernelId);
    if (state.unsupported) {
      return;
    }
    if (state.running) {
      state.again = true;
      return;
    }
    if (immediate) {
      if (state.timer !== null) {
        clearTimeout(state.timer);
        state.timer = null;
      }
      void this._read(kernelId, state);
      return;
    }
    if (state.timer === null) {
      state.timer = setTimeout(() => {
        state.timer = null;
        void this._read(kernelId, state);
      }, this._debounce);
    }
  }

  /**
   * Forget what was learnt about a kernel's server (after a reconnect, the
   * server may have changed).
   */
  reset(kernelId: string): void {
    const state = this._kernels.get(kernelId);
    if (state) {
      state.unsupported = false;
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._model.listingNeeded.disconnect(this._onNeeded, this);
    for (const state of this._kernels.values()) {
      if (state.timer !== null) {
        clearTimeout(state.timer);
      }
    }
    this._kernels.clear();
  }

  private _onNeeded(_: InFlightModel, kernelId: string): void {
    this.request(kernelId);
  }

  private async _read(kernelId: string, state: IKernelListing): Promise<void> {
    state.running = true;
    state.again = false;
    try {
      const requests = await this._backend.listInFlight(kernelId);
      if (!this._isDisposed && !this._model.isDisposed) {
        this._model.applyListing(kernelId, requests);
      }
    } catch (reason) {
      if (reason instanceof BackendError && reason.kind === 'http') {
        // No such endpoint (the server has no nbmodel): the document alone
        // tells what it can.
        state.unsupported = reason.status === 404;
      }
      if (!state.unsupported && !this._isDisposed && state.timer === null) {
        state.timer = setTimeout(() => {
          state.timer = null;
          void this._read(kernelId, state);
        }, this._retry);
      }
    } finally {
      state.running = false;
    }
    if (state.again && !this._isDisposed) {
      this.request(kernelId);
    }
  }

  private _state(kernelId: string): IKernelListing {
    let state = this._kernels.get(kernelId);
    if (!state) {
      state = { timer: null, running: false, again: false, unsupported: false };
      this._kernels.set(kernelId, state);
    }
    return state;
  }

  private _model: InFlightModel;
  private _backend: Pick<IExecutionBackend, 'listInFlight'>;
  private _debounce: number;
  private _retry: number;
  private _kernels = new Map<string, IKernelListing>();
  private _isDisposed = false;
}
