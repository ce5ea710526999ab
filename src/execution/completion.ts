/**
 * "This run is over": the one definition, shared by the executor, divergence
 * repair, the in-flight model and the "while you were away" comparison.
 *
 * A run is over when, after the submission, the shared document writes the
 * cell back to idle with an execution count. The write is observed (a change
 * of `execution_state` or `execution_count` that leaves the cell idle with a
 * count); count values are never compared: servers do not reset the count
 * when a run starts, and after a kernel restart the same count comes back.
 */
import type {
  CellChange,
  ISharedCell,
  ISharedCodeCell,
  ISharedNotebook,
  NotebookChange
} from '@jupyter/ydoc';
import type { ExecutionOutcome } from '../tokens';

/**
 * Whether a shared cell shows the end of a run: idle, with a count. Only
 * meaningful when read right after a write to the cell was observed.
 */
export function showsRunEnd(cell: ISharedCell | undefined): boolean {
  if (!cell || cell.cell_type !== 'code') {
    return false;
  }
  const code = cell as ISharedCodeCell;
  return code.executionState === 'idle' && code.execution_count !== null;
}

/**
 * Whether a cell change is a write of the execution fields.
 */
export function writesExecution(change: CellChange): boolean {
  return !!(change.executionStateChange || change.executionCountChange);
}

/**
 * The outcome of a run read from the shared cell alone: an error output
 * means the run failed.
 */
export function outcomeFromDocument(cell: ISharedCell): ExecutionOutcome {
  const code = cell as ISharedCodeCell;
  const outputs = code.getOutputs();
  const failed = outputs.some(output => output.output_type === 'error');
  return {
    kind: 'reply',
    status: failed ? 'error' : 'ok',
    executionCount:
      typeof code.execution_count === 'number' ? code.execution_count : null,
    outputs
  };
}

/**
 * What the observer saw.
 *
 * - `ended`: the document wrote the end of the run;
 * - `deleted`: the cell left the notebook.
 */
export type RunEndEvent =
  { kind: 'ended'; cell: ISharedCell } | { kind: 'deleted' };

/**
 * Observes one cell of a shared notebook, from before its submission, until
 * the document writes the end of the run. Follows the cell through moves (a
 * move replaces the shared cell object).
 */
export class RunEndObserver {
  constructor(
    private readonly _notebook: ISharedNotebook,
    private readonly _cellId: string,
    private readonly _onEvent: (event: RunEndEvent) => void
  ) {
    _notebook.changed.connect(this._onNotebookChanged, this);
    this._attach();
  }

  /** The shared cell now (undefined once deleted). */
  get cell(): ISharedCell | undefined {
    return this._cell;
  }

  /** Whether the end was observed. */
  get ended(): boolean {
    return this._ended;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._notebook.changed.disconnect(this._onNotebookChanged, this);
    this._cell?.changed.disconnect(this._onCellChanged, this);
  }

  private _attach(): void {
    const cell = this._notebook.cells.find(
      candidate => candidate.getId() === this._cellId
    );
    if (cell === this._cell) {
      return;
    }
    this._cell?.changed.disconnect(this._onCellChanged, this);
    this._cell = cell;
    cell?.changed.connect(this._onCellChanged, this);
  }

  private _onNotebookChanged(_: ISharedNotebook, change: NotebookChange): void {
    if (!change.cellsChange || this._disposed) {
      return;
    }
    this._attach();
    if (!this._cell) {
      this._onEvent({ kind: 'deleted' });
    } else if (showsRunEnd(this._cell)) {
      // The moved copy was written with the run's end.
      this._end();
    }
  }

  private _onCellChanged(cell: ISharedCell, change: CellChange): void {
    if (!this._disposed && writesExecution(change) && showsRunEnd(cell)) {
      this._end();
    }
  }

  private _end(): void {
    this._ended = true;
    this._onEvent({ kind: 'ended', cell: this._cell! });
  }

  private _cell: ISharedCell | undefined;
  private _ended = false;
  private _disposed = false;
}
