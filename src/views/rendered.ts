/**
 * When a newly opened notebook has rendered its cells.
 *
 * JupyterLab 4.6 renders the cells of a notebook it opens in idle callbacks
 * (every windowing mode but `none`), and the main thread is busy with that
 * until the last cell shows: every millisecond of work anyone does meanwhile
 * pushes that cell later by as much. Work no one needs before the cells show
 * (the cell badges, the "while you were away" comparison) waits for this.
 * The status item does not: it is right as early as it can be.
 */
import { Timings } from '../timings';

/** The parts of a notebook panel this looks at. */
export interface IRenderingNotebook {
  readonly isDisposed: boolean;
  readonly context: { readonly ready: Promise<void> };
  readonly content: {
    readonly widgets: ReadonlyArray<{ readonly ready: Promise<void> }>;
  };
}

export interface ICellsRenderedOptions {
  /**
   * The longest wait from the document's load. In the `full` windowing mode
   * a cell out of view renders only when scrolled to.
   */
  maxWait?: number;
  /** Calls back in idle time (tests pass their own). */
  idle?: (callback: () => void, timeout: number) => void;
}

/**
 * Resolves once the notebook's document is loaded, every cell it then has
 * is rendered (`Cell.ready`), and the browser had idle time after that (the
 * last cell's outputs are in); or `maxWait` after the load; or at once when
 * the panel is disposed before its load.
 */
export async function cellsRendered(
  panel: IRenderingNotebook,
  options: ICellsRenderedOptions = {}
): Promise<void> {
  const maxWait = options.maxWait ?? Timings.cellsRendered;
  const idle = options.idle ?? idleCallback;
  try {
    await panel.context.ready;
  } catch {
    return;
  }
  if (panel.isDisposed) {
    return;
  }
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const timeout = new Promise<void>(resolve => {
    timer = setTimeout(() => {
      timedOut = true;
      resolve();
    }, maxWait);
  });
  await Promise.race([
    Promise.all(panel.content.widgets.map(cell => cell.ready)),
    timeout
  ]);
  clearTimeout(timer);
  // A timer may fire a millisecond before `Date.now()` says it is due.
  const left = timedOut ? 0 : Math.max(0, maxWait - (Date.now() - started));
  await new Promise<void>(resolve => idle(resolve, left));
}

function idleCallback(callback: () => void, timeout: number): void {
  if (typeof window.requestIdleCallback === 'function') {
    window.requestIdleCallback(() => callback(), { timeout });
  } else {
    setTimeout(callback, 0);
  }
}
