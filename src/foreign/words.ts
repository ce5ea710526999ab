/**
 * How the indicator shows foreign runs: the counts and states once the
 * foreign derivation is applied, and the words for them. Pure functions.
 */
import type { ICellRef, IForeignRun, IForeignState } from './derive';

/**
 * The subset of a JupyterLab `TranslationBundle` used here.
 */
export interface IForeignTranslator {
  __(msgid: string, ...args: unknown[]): string;
  _n(msgid: string, msgidPlural: string, n: number, ...args: unknown[]): string;
}

/**
 * The fields of an in-flight entry this module reads and adjusts (the
 * model's entries have more; they are kept).
 */
export interface IEntryLike {
  readonly key: string;
  readonly cellId: string;
  readonly state: 'queued' | 'running' | 'input' | 'stale';
  readonly since: number;
}

/**
 * An entry once foreign runs are applied: `foreign` marks the cell another
 * client runs.
 */
export type WithForeign<T extends IEntryLike> = T & {
  readonly foreign: boolean;
};

/** Each entry as not run by another client: one object per entry. */
const notForeignOf = new WeakMap<IEntryLike, unknown>();

/**
 * The entry flagged not foreign. The views read every entry in each frame
 * of a Run All; the model's entries are immutable and kept while unchanged,
 * so the flagged copy is made once.
 */
function notForeign<T extends IEntryLike>(entry: T): WithForeign<T> {
  let flagged = notForeignOf.get(entry) as WithForeign<T> | undefined;
  if (!flagged) {
    flagged = { ...entry, foreign: false };
    notForeignOf.set(entry, flagged);
  }
  return flagged;
}

/**
 * Apply the foreign runs of every kernel to the model's entries:
 *
 * - a server cell waiting behind a foreign run is `queued` (since the
 *   foreign run started, or since it was first seen, whichever is later);
 * - the foreign run's cell, if the model lists it (another frontend marked it
 *   running), is flagged `foreign` and `running`: the model, with no
 *   server mark to go by, may show it queued or stale;
 * - a foreign cell the model does not list (the other client writes no
 *   state) is added, running, when `withCell` can build its entry.
 */
export function applyForeign<T extends IEntryLike>(
  entries: readonly T[],
  states: Iterable<IForeignState>,
  withCell?: (run: IForeignRun, cell: ICellRef) => T | null
): WithForeign<T>[] {
  const waiting = new Map<string, number>();
  const foreign = new Map<string, IForeignRun>();
  for (const state of states) {
    for (const cell of state.waiting) {
      waiting.set(refKey(cell), state.run?.since ?? 0);
    }
    if (state.run?.cell) {
      foreign.set(refKey(state.run.cell), state.run);
    }
  }
  const result: WithForeign<T>[] = entries.map(entry => {
    const id = refKey(entry);
    const run = foreign.get(id);
    if (run) {
      foreign.delete(id);
      // The kernel runs it: whatever the document alone suggested (queued
      // for lack of a server mark, stale for lack of a listing), it runs.
      return {
        ...entry,
        state: entry.state === 'input' ? 'input' : 'running',
        foreign: true
      };
    }
    const behind = waiting.get(id);
    if (behind !== undefined && entry.state === 'running') {
      return {
        ...entry,
        state: 'queued',
        since: Math.max(entry.since, behind),
        foreign: false
      };
    }
    return notForeign(entry);
  });
  if (withCell) {
    for (const run of foreign.values()) {
      const entry = withCell(run, run.cell!);
      if (entry) {
        result.push({ ...entry, foreign: true });
      }
    }
  }
  return result;
}

/**
 * The counts the status item shows: entries not run by another client, by
 * state.
 */
export function countOwn(entries: readonly WithForeign<IEntryLike>[]): {
  queued: number;
  running: number;
  input: number;
  stale: number;
} {
  const counts = { queued: 0, running: 0, input: 0, stale: 0 };
  for (const entry of entries) {
    if (!entry.foreign) {
      counts[entry.state]++;
    }
  }
  return counts;
}

/**
 * The status bar text when a foreign run is going on, e.g. "Busy with a run
 * from another client · 1 queued on server"; `null` when none is (the
 * usual summary applies).
 *
 * @param own - the text of the usual summary for the other entries, or
 *   null when nothing else is in flight.
 */
export function foreignSummaryText(
  runs: readonly Pick<IForeignRun, 'since'>[],
  own: string | null,
  trans: IForeignTranslator
): string | null {
  if (runs.length === 0) {
    return null;
  }
  const busy = trans._n(
    'Busy with a run from another client',
    'Busy with runs from other clients on %1 kernels',
    runs.length,
    runs.length
  );
  return own ? trans.__('%1 · %2', busy, own) : busy;
}

/**
 * The tooltip line about foreign runs.
 */
export function foreignTooltip(trans: IForeignTranslator): string {
  return trans.__(
    'Another client (another frontend, a script, a terminal) is running code on this kernel. Cells you run wait until it is over.'
  );
}

/**
 * The list row of a foreign run, e.g. "Another client: cell 4 · print(1)"
 * or "Another client: running code not in an open notebook".
 *
 * @param describe - the cell's position (from 0) and first line, if it is
 *   in an open notebook.
 */
export function foreignRowText(
  run: Pick<IForeignRun, 'cell' | 'code'>,
  describe: (cell: ICellRef) => { index: number; firstLine: string } | null,
  trans: IForeignTranslator
): string {
  const cell = run.cell ? describe(run.cell) : null;
  if (cell) {
    return trans.__(
      'Another client: cell %1 · %2',
      cell.index + 1,
      cell.firstLine
    );
  }
  const first = firstLine(run.code);
  return first
    ? trans.__('Another client: %1', first)
    : trans.__('Another client: a run not in an open notebook');
}

/**
 * The cell mark's sentence for a cell another client runs.
 */
export function foreignCellDescription(trans: IForeignTranslator): string {
  return trans.__(
    'Running from another client on this kernel. Its outputs arrive here when that client writes them into the notebook.'
  );
}

/**
 * The cell mark's sentence for a cell of ours waiting behind a foreign run.
 */
export function waitingBehindDescription(trans: IForeignTranslator): string {
  return trans.__(
    'Queued on the server: the kernel is busy with a run from another client, and this cell runs after it.'
  );
}

function firstLine(code: string | null): string {
  if (!code) {
    return '';
  }
  const line = code.split('\n').find(l => l.trim() !== '') ?? '';
  return line.length > 60 ? `${line.slice(0, 59)}…` : line.trim();
}

function refKey(cell: ICellRef): string {
  return `${cell.key}\u0000${cell.cellId}`;
}
