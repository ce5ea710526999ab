/**
 * The `[*]` of cells run together (Run All, quick Shift+Enter).
 *
 * Stock JupyterLab marks every cell of a Run All at once. We do the same in
 * one transaction of the notebook when the first of them is submitted: one
 * update instead of one per cell (the server applies, stores and broadcasts
 * each). Trust is set while the cells have no outputs (setting it later
 * would rewrite them). A cell marked in advance that then does not run on
 * the server gets its prompt back. With a backend that declares `batch`,
 * the cells marked together are also submitted together (`queuedBehind`).
 */
import type { CodeCell, ICodeCellModel } from '@jupyterlab/cells';
import type {
  INotebookCellExecutor,
  INotebookModel
} from '@jupyterlab/notebook';

type RunCellOptions = INotebookCellExecutor.IRunCellOptions;

export class BatchMarks {
  /** A cell was run: it waits for its turn. */
  add(options: RunCellOptions): void {
    const waiting = this._waiting.get(options.notebook) ?? new Set();
    this._waiting.set(options.notebook, waiting);
    waiting.add(options);
  }

  /** A cell's turn came: from now on it is not waiting behind any other. */
  remove(options: RunCellOptions): void {
    this._waiting.get(options.notebook)?.delete(options);
  }

  /**
   * About to submit a cell: show `[*]` on it and on every cell waiting behind
   * it, unless an earlier cell's mark already did.
   */
  markBeforeSubmit(options: RunCellOptions): void {
    const model = options.cell.model as ICodeCellModel;
    const premarked = this._premarked.delete(model);
    if (
      premarked &&
      model.executionState === 'running' &&
      model.executionCount === null
    ) {
      return;
    }
    const queued = [...(this._waiting.get(options.notebook) ?? [])].filter(
      other =>
        other !== options &&
        !this._premarked.has(other.cell.model as ICodeCellModel) &&
        !other.cell.isDisposed &&
        other.cell.model.sharedModel.getSource().trim() !== ''
    );
    options.notebook.sharedModel.transact(() => {
      for (const { cell } of [options, ...queued]) {
        const cellModel = cell.model as ICodeCellModel;
        cellModel.clearExecution();
        (cell as CodeCell).outputHidden = false;
        cellModel.executionState = 'running';
      }
    }, false);
    for (const other of queued) {
      this._premarked.add(other.cell.model as ICodeCellModel);
    }
  }

  /**
   * The cells waiting behind `options` that its mark showed as queued, in
   * the order they were run: with a backend that takes several cells in one
   * request, they go to the server together with it.
   */
  queuedBehind(options: RunCellOptions): RunCellOptions[] {
    return [...(this._waiting.get(options.notebook) ?? [])].filter(
      other =>
        other !== options &&
        this._premarked.has(other.cell.model as ICodeCellModel) &&
        !other.cell.isDisposed &&
        other.cell.model.sharedModel.getSource().trim() !== ''
    );
  }

  /** A cell marked in advance went to the server with an earlier one. */
  handedOver(options: RunCellOptions): void {
    this._premarked.delete(options.cell.model as ICodeCellModel);
  }

  /** A cell marked in advance that will not run on the server. */
  unmark(model: ICodeCellModel): void {
    if (
      this._premarked.delete(model) &&
      !model.isDisposed &&
      model.executionState === 'running' &&
      model.executionCount === null
    ) {
      model.executionState = 'idle';
    }
  }

  /** Cells waiting for their turn in the submission queue, per notebook. */
  private _waiting = new WeakMap<INotebookModel, Set<RunCellOptions>>();
  /** Cells shown as queued by an earlier cell's mark, not yet submitted. */
  private _premarked = new WeakSet<ICodeCellModel>();
}
