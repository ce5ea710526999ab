/**
 * At most one re-render per animation frame for each output of an output
 * area.
 *
 * With server-side execution every stream append reaches the tab as its own
 * shared-document update, and JupyterLab's `OutputArea` re-renders the whole
 * stream text on each one. A `\r` progress bar at 200 updates a second
 * arrives in bursts of dozens per frame; only the last of each burst can be
 * seen, so the others are skipped here. An output that was quiet renders at
 * the end of the task that changed it, as without coalescing (most outputs
 * change a few times a second: waiting for a frame would only delay them).
 */
import type { OutputArea } from '@jupyterlab/outputarea';
import type { IOutputModel } from '@jupyterlab/rendermime';
import type { IDisposable } from '@lumino/disposable';
import { Timings } from '../timings';

/** Runs a callback before the next paint. */
export type FrameScheduler = (callback: () => void) => () => void;

/**
 * The browser's frame scheduler. Hidden tabs get no animation frames, so a
 * timer makes sure the DOM catches up anyway (throttled there to about 1 s).
 */
export const nextFrame: FrameScheduler = callback => {
  let done = false;
  const run = () => {
    if (!done) {
      done = true;
      cancelAnimationFrame(frame);
      clearTimeout(timer);
      callback();
    }
  };
  const frame = requestAnimationFrame(run);
  const timer = setTimeout(run, Timings.frameFallback);
  return () => {
    done = true;
    cancelAnimationFrame(frame);
    clearTimeout(timer);
  };
};

/**
 * The private method of JupyterLab 4.6's `OutputArea` that re-renders one
 * output in place. Every in-place update goes through it: stream text, a
 * replaced output, a trust change.
 */
interface IRenderInPlace {
  _setOutput(index: number, model: IOutputModel): void;
}

/**
 * At most one in-place re-render per frame for one output area, once per
 * output model. After a quiet frame, the changes of one task render at its
 * end; changes in later tasks of that frame wait for the next frame, and so
 * on while they keep coming. Structural changes (an output added, removed,
 * cleared) still happen at once, so the area never shows an output the
 * model no longer has.
 */
export class OutputRenderCoalescer implements IDisposable {
  constructor(
    private readonly _area: OutputArea,
    private readonly _schedule: FrameScheduler = nextFrame
  ) {
    const target = _area as unknown as IRenderInPlace;
    if (typeof target._setOutput !== 'function') {
      // Another JupyterLab version: leave the area as it is.
      this._render = null;
      return;
    }
    this._render = target._setOutput;
    target._setOutput = (index, model) => this._defer(index, model);
  }

  /** Re-renders that ran, for tests and the benchmark. */
  get renders(): number {
    return this._renders;
  }

  /** In-place updates that were asked for. */
  get requests(): number {
    return this._requests;
  }

  /** Whether the area's renders are coalesced (false on an unknown version). */
  get active(): boolean {
    return this._render !== null && !this._isDisposed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Render what is pending now and restore the area's own method. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this.flush();
    this._isDisposed = true;
    if (this._render) {
      delete (this._area as unknown as Partial<IRenderInPlace>)._setOutput;
    }
  }

  /** Render every pending output now. */
  flush(): void {
    this._cancel?.();
    this._cancel = null;
    this._renderPending();
  }

  private _renderPending(): void {
    const pending = [...this._pending];
    this._pending.clear();
    if (!this._render || this._area.isDisposed) {
      return;
    }
    for (const [model, index] of pending) {
      const current = this._indexOf(model, index);
      // Gone from the area (cleared, removed): nothing left to update.
      if (current >= 0 && current < this._area.widgets.length) {
        this._renders++;
        this._render.call(this._area, current, model);
      }
    }
  }

  private _defer(index: number, model: IOutputModel): void {
    this._requests++;
    this._pending.set(model, index);
    if (this._cancel) {
      // Rendered in this frame or waiting for the next.
      return;
    }
    // Quiet until now: render once this task's changes are all in (a `\r`
    // rewrite is a delete then an insert), and hold later ones a frame.
    this._renderedInFrame = true;
    this._cancel = this._schedule(this._onFrame);
    queueMicrotask(() => {
      if (!this._isDisposed) {
        this._renderPending();
      }
    });
  }

  /**
   * A frame: render what waits, unless this frame rendered already. While
   * changes keep coming, one frame stays scheduled; a frame with nothing to
   * render ends the busy spell.
   */
  private _onFrame = (): void => {
    this._cancel = null;
    if (this._renderedInFrame) {
      this._renderedInFrame = false;
      this._cancel = this._schedule(this._onFrame);
    } else if (this._pending.size > 0) {
      this._renderPending();
      this._cancel = this._schedule(this._onFrame);
    }
  };

  /** Where the output is now: earlier outputs may have been removed since. */
  private _indexOf(model: IOutputModel, hint: number): number {
    const outputs = this._area.model;
    if (hint < outputs.length && outputs.get(hint) === model) {
      return hint;
    }
    for (let i = 0; i < outputs.length; i++) {
      if (outputs.get(i) === model) {
        return i;
      }
    }
    return -1;
  }

  private readonly _render: IRenderInPlace['_setOutput'] | null;
  private readonly _pending = new Map<IOutputModel, number>();
  private _cancel: (() => void) | null = null;
  /** Rendered at once in the current frame: the next render waits a frame. */
  private _renderedInFrame = false;
  private _isDisposed = false;
  private _renders = 0;
  private _requests = 0;
}
