/**
 * One `@lumino/polling` `Poll` per kernel, with the bookkeeping every
 * per-kernel reader of the server shares (the listing poller, the stdin
 * prompt watcher):
 *
 * - each kernel's poll reads every `minMs` after a change, and half as often
 *   again after each read that changed nothing, up to `maxMs`; while the
 *   server cannot be reached the poll's own exponential backoff applies;
 * - reads that overlap (a `refresh` while one is in flight) are applied in
 *   order: a read older than the last one applied, or of a kernel forgotten
 *   meanwhile, is dropped;
 * - the polls stand by as the page says (`'when-hidden'`), except a kernel
 *   its owner keeps awake;
 * - a read whose failure means the route is missing (`isMissing`) stops the
 *   kernel's poll for good, until `reset`.
 *
 * What is read, what is made of it and what keeps a kernel polled stay with
 * the owner (`read`, `apply`).
 */
import type { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { Signal, type ISignal } from '@lumino/signaling';

/** One kernel's poll and its owner's state of it. */
export interface IKernelPoll<S> {
  readonly kernelId: string;
  readonly poll: Poll<void, unknown, 'stand-by'>;
  /** The owner's state of this kernel. */
  readonly state: S;
  /** The interval of the next read while nothing changes (ms). */
  interval: number;
  /** Reads started, and the sequence number of the last one applied. */
  started: number;
  applied: number;
  /** A read now was asked for and has not started yet. */
  readSoon: boolean;
  /**
   * A read is in flight: it began before whatever asks for a read now, so
   * it does not stand for that one.
   */
  reading: boolean;
}

/**
 * What an applied read did: `'changed'` reads again after `minMs`, `'same'`
 * waits half as long again as last time (up to `maxMs`), `'done'` stops the
 * poll (a one-off read: nothing keeps the kernel polled).
 */
export type ReadOutcome = 'changed' | 'same' | 'done';

export interface IKernelPollsOptions<S, R> {
  /** Names each poll `<name>:<kernel id>`. */
  name: string;
  /** The interval after a change, and the first one (ms). */
  minMs: number;
  /** The longest interval while nothing changes (ms). */
  maxMs: number;
  /** `'when-hidden'` in the page; tests may pass `'never'`. */
  standby: Poll.Standby | (() => boolean | Poll.Standby);
  /** A new kernel's state. */
  create: () => S;
  /**
   * Ask the server. `undefined`: nothing to ask now (nothing is applied). A
   * rejection backs the poll off, or stops it when `isMissing` says so.
   */
  read: (kernel: IKernelPoll<S>) => Promise<R | undefined>;
  /** Apply a read that is not stale. */
  apply: (kernel: IKernelPoll<S>, result: R) => ReadOutcome;
  /** Whether a kernel polls even while the page says stand by. */
  keepAwake?: (kernel: IKernelPoll<S>) => boolean;
  /** Whether a failed read means the server has no such route. */
  isMissing?: (reason: unknown) => boolean;
}

/**
 * The polls of every kernel one reader follows.
 */
export class KernelPolls<S, R> implements IDisposable {
  constructor(options: IKernelPollsOptions<S, R>) {
    this._options = options;
  }

  /** Emitted with a kernel id when its reads found the route missing. */
  get stopped(): ISignal<this, string> {
    return this._stopped;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** The ids of the kernels polled (or ready to be). */
  kernelIds(): string[] {
    return [...this._kernels.keys()];
  }

  /** A kernel's poll, if it has one. */
  get(kernelId: string): IKernelPoll<S> | undefined {
    return this._kernels.get(kernelId);
  }

  /**
   * A kernel's poll, made (not started) if need be; `null` once disposed or
   * while the kernel is stopped for a missing route.
   */
  ensure(kernelId: string): IKernelPoll<S> | null {
    if (this._isDisposed || this._missing.has(kernelId)) {
      return null;
    }
    let kernel = this._kernels.get(kernelId);
    if (!kernel) {
      const { minMs, maxMs, name } = this._options;
      const created: IKernelPoll<S> = {
        kernelId,
        poll: new Poll<void, unknown, 'stand-by'>({
          auto: false,
          factory: () => this._read(created),
          frequency: { interval: minMs, max: maxMs, backoff: true },
          standby: () => this._standby(created),
          name: `${name}:${kernelId}`
        }),
        state: this._options.create(),
        interval: minMs,
        started: 0,
        applied: 0,
        readSoon: false,
        reading: false
      };
      kernel = created;
      this._kernels.set(kernelId, kernel);
    }
    return kernel;
  }

  /** Dispose a kernel's poll and forget its state. */
  delete(kernelId: string): void {
    this._kernels.get(kernelId)?.poll.dispose();
    this._kernels.delete(kernelId);
  }

  /** Whether the kernel's poll is not running (never started, or stopped). */
  isIdle(kernel: IKernelPoll<S>): boolean {
    const { phase } = kernel.poll.state;
    return phase === 'constructed' || phase === 'stopped';
  }

  /** Something changed: the next reads come at `minMs` again. */
  quicken(kernel: IKernelPoll<S>): void {
    kernel.interval = this._options.minMs;
    this._setInterval(kernel);
  }

  /** (Re)start the kernel's poll: its next read after `minMs`. */
  start(kernel: IKernelPoll<S>): void {
    void kernel.poll.schedule({
      interval: this._options.minMs,
      phase: 'started'
    });
  }

  /**
   * Read now, or after `delayMs` unless a read is due sooner anyway (which
   * also reads a kernel whose poll is idle, once).
   */
  refresh(kernel: IKernelPoll<S>, delayMs?: number): void {
    if (delayMs === undefined) {
      // `Poll.refresh()` does nothing while a delayed read waits (its phase
      // is 'refreshed' too): replace that wait with a read now. A read asked
      // for and not yet started will see the same facts.
      if (!kernel.readSoon) {
        kernel.readSoon = true;
        void kernel.poll.schedule({
          interval: Poll.IMMEDIATE,
          phase: 'refreshed'
        });
      }
      return;
    }
    const { timestamp, interval } = kernel.poll.state;
    if (
      !this.isIdle(kernel) &&
      !kernel.reading &&
      timestamp + interval <= Date.now() + delayMs
    ) {
      return;
    }
    void kernel.poll.schedule({ interval: delayMs, phase: 'refreshed' });
  }

  /** Whether the kernel's poll was stopped by a missing route. */
  isStopped(kernelId: string): boolean {
    return this._missing.has(kernelId);
  }

  /** Forget that a kernel's route was missing (a reconnect may change it). */
  reset(kernelId: string): void {
    this._missing.delete(kernelId);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    for (const kernel of this._kernels.values()) {
      kernel.poll.dispose();
    }
    this._kernels.clear();
    Signal.clearData(this);
  }

  private _standby(kernel: IKernelPoll<S>): boolean | Poll.Standby {
    if (this._options.keepAwake?.(kernel)) {
      return 'never';
    }
    const { standby } = this._options;
    return typeof standby === 'function' ? standby() : standby;
  }

  private _setInterval(kernel: IKernelPoll<S>): void {
    kernel.poll.frequency = {
      interval: kernel.interval,
      max: Math.max(this._options.maxMs, kernel.interval),
      backoff: true
    };
  }

  private async _read(kernel: IKernelPoll<S>): Promise<void> {
    const sequence = ++kernel.started;
    kernel.readSoon = false;
    kernel.reading = true;
    // Another tick scheduled while this read runs is a read asked for after
    // it began: it must not be stopped below.
    const tick = kernel.poll.tick;
    let result: R | undefined;
    try {
      result = await this._options.read(kernel);
    } catch (reason) {
      if (this._options.isMissing?.(reason)) {
        this._stop(kernel);
        return;
      }
      // Unreachable or erroring: the poll backs off and asks again.
      throw reason;
    } finally {
      kernel.reading = false;
    }
    if (
      result === undefined ||
      this._isDisposed ||
      this._kernels.get(kernel.kernelId) !== kernel ||
      sequence < kernel.applied
    ) {
      return;
    }
    kernel.applied = sequence;
    const outcome = this._options.apply(kernel, result);
    if (outcome === 'done') {
      if (kernel.poll.tick === tick) {
        void kernel.poll.stop();
      }
      return;
    }
    const { minMs, maxMs } = this._options;
    kernel.interval =
      outcome === 'changed'
        ? minMs
        : Math.min(maxMs, Math.round(kernel.interval * 1.5));
    this._setInterval(kernel);
  }

  private _stop(kernel: IKernelPoll<S>): void {
    this._missing.add(kernel.kernelId);
    kernel.poll.dispose();
    this.delete(kernel.kernelId);
    this._stopped.emit(kernel.kernelId);
  }

  private _options: IKernelPollsOptions<S, R>;
  private _kernels = new Map<string, IKernelPoll<S>>();
  private _missing = new Set<string>();
  private _isDisposed = false;
  private _stopped = new Signal<this, string>(this);
}
