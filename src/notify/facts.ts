/**
 * Run facts for the notifier, from what the in-flight model shows: pure
 * functions comparing a notebook's entries before and after a change.
 *
 * - a cell that appears is `queued` (with its Run All batch, if any), then
 *   `started` if it already runs (measured from when it started as the
 *   model knows it: a run that began before the tab opened keeps its
 *   start);
 * - a cell that goes from queued to running is `started`, and to waiting
 *   for input is `input`;
 * - a cell that leaves the model has `ended`, with the outcome its cell
 *   shows (an error output: failed; no count: cancelled).
 *
 * Stale marks are no runs: they never start or end anything.
 */
import type { ISharedCodeCell } from '@jupyter/ydoc';
import type { RunFact } from './rules';

/**
 * The fields of an in-flight entry read here.
 */
export interface IEntryView {
  readonly cellId: string;
  readonly state: 'queued' | 'running' | 'input' | 'stale';
  /** When the model first saw it in this state (ms). */
  readonly since: number;
  /** When the model first saw this execution at all. */
  readonly firstSeen: number;
}

export interface IRunFactsOptions {
  /** The time of the change (ms). */
  now: number;
  /**
   * False when the change is what the tab found on opening the notebook or
   * reconnecting (no tab was watching): ends then are not news.
   */
  live: boolean;
  /** The outcome of a cell that left the model (see `outcomeOf`). */
  outcome: (cellId: string) => 'ok' | 'failed' | 'cancelled';
  /** The Run All batch a cell was submitted in, if this tab knows it. */
  batchOf?: (cellId: string) => string | null;
}

/**
 * The facts between two views of a notebook's entries.
 */
export function runFacts(
  key: string,
  before: readonly IEntryView[],
  after: readonly IEntryView[],
  options: IRunFactsOptions
): RunFact[] {
  const facts: RunFact[] = [];
  const old = new Map(before.map(entry => [entry.cellId, entry]));
  const now = new Map(after.map(entry => [entry.cellId, entry]));
  const batchOf = options.batchOf ?? (() => null);
  for (const entry of after) {
    if (entry.state === 'stale') {
      continue;
    }
    const previous = old.get(entry.cellId);
    const cellId = entry.cellId;
    if (!previous || previous.state === 'stale') {
      facts.push({
        kind: 'queued',
        key,
        cellId,
        batchId: batchOf(cellId),
        at: entry.firstSeen
      });
    }
    const wasStarted =
      previous !== undefined &&
      (previous.state === 'running' || previous.state === 'input');
    if (entry.state !== 'queued' && !wasStarted) {
      facts.push({
        kind: 'started',
        key,
        cellId,
        batchId: batchOf(cellId),
        at: entry.state === 'running' ? entry.since : entry.firstSeen
      });
    }
    if (entry.state === 'input' && previous?.state !== 'input') {
      facts.push({ kind: 'input', key, cellId, at: options.now });
    }
  }
  for (const entry of before) {
    if (entry.state !== 'stale' && !now.has(entry.cellId)) {
      facts.push({
        kind: 'ended',
        key,
        cellId: entry.cellId,
        at: options.now,
        outcome: options.outcome(entry.cellId),
        live: options.live
      });
    }
  }
  return facts;
}

/**
 * How a run ended, as its cell shows it: an error output means it failed,
 * no count means it never ran (cancelled), anything else is a success.
 * A cell that is gone counts as cancelled.
 */
export function outcomeOf(
  cell: ISharedCodeCell | undefined
): 'ok' | 'failed' | 'cancelled' {
  if (!cell) {
    return 'cancelled';
  }
  const outputs = cell.getOutputs() as Array<{ output_type?: unknown }>;
  if (outputs.some(output => output.output_type === 'error')) {
    return 'failed';
  }
  return typeof cell.execution_count === 'number' ? 'ok' : 'cancelled';
}

/**
 * Batch ids for tabs that do not know which cells were run together (runs
 * submitted by another tab or browser): the cells queued while a notebook
 * has runs in flight belong to one batch, which ends when nothing of that
 * notebook is in flight any more. A Run All is then one notice, from any
 * tab.
 */
export class BusyPeriods {
  /**
   * The batch id for the cells that appear in this change of a notebook's
   * entries: a new one when nothing was in flight before.
   */
  batchFor(key: string, before: readonly IEntryView[]): string {
    const busy = before.some(entry => entry.state !== 'stale');
    let id = this._current.get(key);
    if (!busy || id === undefined) {
      id = `period-${++this._count}`;
      this._current.set(key, id);
    }
    return id;
  }

  /** Forget a notebook (it closed). */
  forget(key: string): void {
    this._current.delete(key);
  }

  private _current = new Map<string, string>();
  private _count = 0;
}
