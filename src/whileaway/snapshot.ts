/**
 * 'While you were away': what happened to a notebook's cells while this tab
 * was not watching.
 *
 * The watcher keeps a small snapshot of what this tab last saw of each
 * notebook (per cell id: its execution count, whether it was running, a
 * fingerprint of its outputs), persists it in localStorage, and compares
 * it with the document when the notebook opens again or the tab
 * reconnects. Pure functions, no DOM.
 */
import type { ISharedCell, ISharedCodeCell } from '@jupyter/ydoc';
import { showsRunEnd } from '../execution/completion';

/**
 * What this tab last saw of one code cell.
 */
export interface ICellSnapshot {
  /** `execution_count`. */
  count: number | null;
  /** Whether it was running (or queued). */
  running: boolean;
  /** A fingerprint of its outputs (see `outputsFingerprint`). */
  outputs: string;
}

/**
 * What this tab last saw of one notebook.
 */
export interface INotebookSnapshot {
  version: 1;
  /** When it was taken (ms since the epoch). */
  takenAt: number;
  /** By cell id. */
  cells: Record<string, ICellSnapshot>;
  /** Cells marked as changed that the user has not seen yet. */
  unseen: string[];
}

export interface ITakeSnapshotOptions {
  /** The time to record; `Date.now()` by default. */
  now?: number;
  /** Cells still marked and unseen, kept for the next comparison. */
  unseen?: Iterable<string>;
}

/**
 * The difference between a snapshot and the document now. Every list holds
 * cell ids in document order.
 */
export interface IAwayDiff {
  /** Were running, or got a new count, and are done now. */
  finished: string[];
  /** Not finished, but their outputs changed (and are not empty). */
  newOutput: string[];
  /** Running (or queued) now. */
  stillRunning: string[];
  /** Were running and are idle now without a count (cancelled, cleared). */
  stopped: string[];
  /** The cells to mark until seen: finished, new output, and cells still
   * unseen from the previous comparison. */
  marked: string[];
  /** The first marked cell, to jump to. */
  first: string | null;
}

/**
 * The subset of a JupyterLab `TranslationBundle` the message needs.
 */
export interface IAwayTranslator {
  __(msgid: string, ...args: unknown[]): string;
  _n(msgid: string, msgidPlural: string, n: number, ...args: unknown[]): string;
}

/**
 * Whether the document shows a run in flight: `running`, or `busy` (a
 * backend whose document says only busy).
 */
export function isRunningInDocument(cell: ISharedCodeCell): boolean {
  const state = cell.executionState as string;
  return state === 'running' || state === 'busy';
}

/**
 * A short fingerprint of a cell's outputs: their number and a 32-bit FNV-1a
 * hash of their JSON.
 */
export function outputsFingerprint(outputs: readonly unknown[]): string {
  if (outputs.length === 0) {
    return '0';
  }
  const text = JSON.stringify(outputs);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${outputs.length}:${hash.toString(16).padStart(8, '0')}`;
}

/**
 * Record what this tab sees of a notebook's code cells now.
 */
export function takeSnapshot(
  cells: readonly ISharedCell[],
  options: ITakeSnapshotOptions = {}
): INotebookSnapshot {
  const snapshot: INotebookSnapshot = {
    version: 1,
    takenAt: options.now ?? Date.now(),
    cells: {},
    unseen: []
  };
  for (const cell of codeCells(cells)) {
    snapshot.cells[cell.getId()] = {
      count: countOf(cell),
      running: isRunningInDocument(cell),
      outputs: outputsFingerprint(cell.getOutputs())
    };
  }
  const present = new Set(Object.keys(snapshot.cells));
  snapshot.unseen = [...new Set(options.unseen ?? [])].filter(id =>
    present.has(id)
  );
  return snapshot;
}

/**
 * Compare a snapshot with the document now.
 *
 * Cells the snapshot does not know (added since) are only reported while
 * running; deleted cells are ignored.
 */
export function diffSinceSnapshot(
  snapshot: INotebookSnapshot,
  cells: readonly ISharedCell[]
): IAwayDiff {
  const unseen = new Set(snapshot.unseen);
  const diff: IAwayDiff = {
    finished: [],
    newOutput: [],
    stillRunning: [],
    stopped: [],
    marked: [],
    first: null
  };
  for (const cell of codeCells(cells)) {
    const id = cell.getId();
    const before = Object.prototype.hasOwnProperty.call(snapshot.cells, id)
      ? snapshot.cells[id]
      : undefined;
    const running = isRunningInDocument(cell);
    const count = countOf(cell);
    let marked = unseen.has(id);
    if (running) {
      diff.stillRunning.push(id);
    }
    if (before) {
      const outputs = cell.getOutputs();
      const outputsChanged =
        outputs.length > 0 && outputsFingerprint(outputs) !== before.outputs;
      // Over (`completion.ts`: idle with a count), and a run happened
      // since: it was running then, or the count is another one. The tab
      // was not watching, so this compares states; it cannot observe the
      // write.
      if (showsRunEnd(cell) && (before.running || count !== before.count)) {
        diff.finished.push(id);
        marked = true;
      } else if (!running && count === null && before.running) {
        diff.stopped.push(id);
      } else if (outputsChanged) {
        diff.newOutput.push(id);
        marked = true;
      }
    }
    if (marked) {
      diff.marked.push(id);
    }
  }
  diff.first = diff.marked[0] ?? null;
  return diff;
}

/**
 * Whether the comparison found anything to tell the user: cells that
 * finished or produced output while the tab was not watching.
 */
export function hasNews(diff: IAwayDiff): boolean {
  return diff.finished.length > 0 || diff.newOutput.length > 0;
}

/**
 * The notification text, e.g. "3 cells finished and 1 is still running on
 * the server since you left"; `null` when there is no news.
 */
export function awayMessage(
  diff: IAwayDiff,
  trans: IAwayTranslator
): string | null {
  if (!hasNews(diff)) {
    return null;
  }
  const parts: string[] = [];
  if (diff.finished.length) {
    parts.push(
      trans._n(
        '%1 cell finished',
        '%1 cells finished',
        diff.finished.length,
        diff.finished.length
      )
    );
  }
  if (diff.newOutput.length) {
    parts.push(
      trans._n(
        '%1 cell has new output',
        '%1 cells have new output',
        diff.newOutput.length,
        diff.newOutput.length
      )
    );
  }
  if (diff.stillRunning.length) {
    parts.push(
      trans._n(
        '%1 is still running on the server',
        '%1 are still running on the server',
        diff.stillRunning.length,
        diff.stillRunning.length
      )
    );
  }
  const list =
    parts.length === 1
      ? parts[0]
      : trans.__(
          '%1 and %2',
          parts.slice(0, -1).join(', '),
          parts[parts.length - 1]
        );
  return trans.__('%1 since you left', list);
}

/**
 * Read a snapshot back from a string (localStorage) or a parsed JSON value. Returns `null` for anything that is not a valid snapshot;
 * invalid cell records are dropped.
 */
export function parseSnapshot(value: unknown): INotebookSnapshot | null {
  let data = value;
  if (typeof value === 'string') {
    try {
      data = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (!isObject(data) || data.version !== 1 || !isObject(data.cells)) {
    return null;
  }
  if (typeof data.takenAt !== 'number' || !Number.isFinite(data.takenAt)) {
    return null;
  }
  const cells: Record<string, ICellSnapshot> = {};
  for (const [id, cell] of Object.entries(data.cells)) {
    if (
      isObject(cell) &&
      (cell.count === null || typeof cell.count === 'number') &&
      typeof cell.running === 'boolean' &&
      typeof cell.outputs === 'string'
    ) {
      cells[id] = {
        count: cell.count as number | null,
        running: cell.running,
        outputs: cell.outputs
      };
    }
  }
  const unseen = Array.isArray(data.unseen)
    ? data.unseen.filter((id): id is string => typeof id === 'string')
    : [];
  return { version: 1, takenAt: data.takenAt, cells, unseen };
}

function codeCells(cells: readonly ISharedCell[]): ISharedCodeCell[] {
  return cells.filter(
    (cell): cell is ISharedCodeCell => cell.cell_type === 'code'
  );
}

function countOf(cell: ISharedCodeCell): number | null {
  const count = cell.execution_count;
  return typeof count === 'number' ? count : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
