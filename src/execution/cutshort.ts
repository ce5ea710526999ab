/**
 * Runs cut short by a fault: a server restart, a kernel restart, a kernel
 * death, a change of kernel. The cell that was running says so, once, in
 * words that are true, with the outputs it had; a cell that only waited in
 * the queue is put back to `[ ]`, as JupyterLab does for aborted cells.
 *
 * - `LiveRuns`: which of this tab's runs on a kernel was running (from the
 *   server's listing), to tell the running cell from the queued ones.
 * - `OutputsMemory`: the most complete outputs a cell showed during its run.
 *   After a server restart, the server's document can lack the tail the tab
 *   showed (a killed server saved up to ~2 s less): the submitting tab, and
 *   only it, restores that tail into the idle cell.
 * - `tabWritesNote`: whether this tab writes it at all (the server writes
 *   kernel restart and death notes when its backend says so).
 * - `keepCutShort`: writes the message (and the restored tail) into the
 *   cell, and writes them again if the document is replaced by the server's
 *   reloaded one within a short window (a restarted server hands the tabs a
 *   new document, possibly after this tab wrote into the old one).
 */
import type { ICodeCellModel } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import type { INotebookModel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import type {
  ISharedCell,
  ISharedCodeCell,
  ISharedNotebook,
  NotebookChange
} from '@jupyter/ydoc';
import { Timings } from '../timings';
import type { IBackendCapabilities, RequestStatus } from '../tokens';
import { compareOutputs } from './divergence';

/** What cut a run short. */
export type CutShortCause =
  'server-restart' | 'kernel-restart' | 'kernel-died' | 'kernel-changed';

/**
 * The cause behind a stopped watch's reason (`followLifecycle`), or null
 * when the run was not cut short (the notebook was closed: it goes on).
 */
export function causeOfStop(reason: string): CutShortCause | null {
  switch (reason) {
    case 'restarting':
      return 'kernel-restart';
    case 'autorestarting':
    case 'dead':
      return 'kernel-died';
    case 'kernel-changed':
      return 'kernel-changed';
    default:
      return null;
  }
}

/**
 * Whether this tab writes the note for `cause`: not when the backend's
 * server writes kernel notes itself (`kernelNotes: 'server'`), so a cell
 * says it once whichever tab, or none, was open. A server restart and a
 * change of kernel are always told by the tab.
 */
export function tabWritesNote(
  cause: CutShortCause,
  capabilities: Pick<IBackendCapabilities, 'kernelNotes'>
): boolean {
  const kernelCause = cause === 'kernel-restart' || cause === 'kernel-died';
  return !(kernelCause && capabilities.kernelNotes === 'server');
}

/** The sentence the cell shows. */
export function cutShortMessage(
  cause: CutShortCause,
  trans: TranslationBundle
): string {
  switch (cause) {
    case 'server-restart':
      return trans.__(
        'This run was cut short: the Jupyter server stopped while it ran. The outputs above are what it printed before the stop.'
      );
    case 'kernel-restart':
      return trans.__(
        'This run was cut short: the kernel was restarted while it ran. The outputs above are what it printed before.'
      );
    case 'kernel-died':
      return trans.__(
        'This run was cut short: the kernel died while it ran. The outputs above are what it printed before.'
      );
    case 'kernel-changed':
      return trans.__(
        'This run was cut short: the notebook changed kernels while it ran. The outputs above are what it printed before.'
      );
  }
}

/** The error output that carries the message. */
export function cutShortOutput(
  message: string,
  trans: TranslationBundle
): nbformat.IError {
  const ename = trans.__('RunCutShort');
  return {
    output_type: 'error',
    ename,
    evalue: message,
    traceback: [`${ename}: ${message}`]
  };
}

/** One of this tab's runs on a kernel, from submission to conclusion. */
export interface ILiveRun {
  /** The last status the server reported for it. */
  status: RequestStatus | null;
  /** Whether it was running when cut short (see `LiveRuns.wasRunning`). */
  wasRunning(): boolean;
  /** The run concluded. */
  remove(): void;
}

/**
 * This tab's runs per kernel, in submission order.
 */
export class LiveRuns {
  add(kernelId: string): ILiveRun {
    const runs = this._runs.get(kernelId) ?? [];
    this._runs.set(kernelId, runs);
    const run: ILiveRun = {
      status: null,
      wasRunning: () =>
        // The server said so; or nothing of ours was known running and
        // this is the oldest (the listing may not have been read since it
        // started). A run queued behind another tab's run can be taken
        // for running in that case only.
        run.status === 'running' ||
        run.status === 'input' ||
        (run.status !== 'queued' &&
          runs[0] === run &&
          !runs.some(r => r.status === 'running' || r.status === 'input')),
      remove: () => {
        const at = runs.indexOf(run);
        if (at >= 0) {
          runs.splice(at, 1);
        }
        if (!runs.length && this._runs.get(kernelId) === runs) {
          this._runs.delete(kernelId);
        }
      }
    };
    runs.push(run);
    return run;
  }

  private _runs = new Map<string, ILiveRun[]>();
}

/**
 * Remembers the most complete outputs a shared cell showed, following it by
 * id (a reloaded document replaces the cell object). A change that leaves
 * a prefix of what was shown (the tail vanished) does not replace it;
 * anything else (more outputs, or different ones after `clear_output`) does.
 */
/**
 * How much outputs show: the characters of their stream text, and one for
 * each other output. Merging consecutive streams (as the output area does)
 * keeps it, so outputs that are a strict prefix of others are smaller.
 */
export function outputsSize(outputs: readonly nbformat.IOutput[]): number {
  let size = 0;
  for (const output of outputs) {
    if (output.output_type === 'stream') {
      const text = (output as nbformat.IStream).text;
      size += Array.isArray(text)
        ? text.reduce((n, line) => n + line.length, 0)
        : typeof text === 'string'
          ? text.length
          : 0;
    } else {
      size += 1;
    }
  }
  return size;
}

export class OutputsMemory {
  constructor(
    private readonly _notebook: ISharedNotebook,
    private readonly _cellId: string
  ) {
    _notebook.changed.connect(this._onNotebookChanged, this);
    this._attach();
    this._remember();
  }

  /** The most complete outputs seen. */
  get outputs(): nbformat.IOutput[] {
    return this._best;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._notebook.changed.disconnect(this._onNotebookChanged, this);
    this._cell?.changed.disconnect(this._remember, this);
  }

  private _attach(): void {
    const cell = findSharedCell(this._notebook, this._cellId);
    if (cell === this._cell) {
      return;
    }
    this._cell?.changed.disconnect(this._remember, this);
    this._cell = cell;
    cell?.changed.connect(this._remember, this);
  }

  private _onNotebookChanged(_: ISharedNotebook, change: NotebookChange): void {
    if (change.cellsChange && !this._disposed) {
      this._attach();
      this._remember();
    }
  }

  private _remember(): void {
    const cell = this._cell as ISharedCodeCell | undefined;
    if (!cell || cell.cell_type !== 'code') {
      return;
    }
    const now = cell.getOutputs() as nbformat.IOutput[];
    const size = outputsSize(now);
    if (size >= this._bestSize) {
      // Not a strict prefix of the best (that would be smaller): the common
      // case of a growing output, decided without normalizing both.
      this._best = now;
      this._bestSize = size;
      return;
    }
    const relation = compareOutputs(now, this._best);
    if (relation.kind === 'diverged' || relation.kind === 'equal') {
      // Diverged, or the same rendering (keep the newer form).
      this._best = now;
      this._bestSize = size;
    }
    // 'behind': a prefix of what was shown; keep the longer one. But the
    // longer one may itself be the prefix of nothing now: a cell cleared
    // by `clear_output` that prints the same beginning again is taken for
    // a cut tail, and only matters if the run is then cut short.
  }

  private _best: nbformat.IOutput[] = [];
  private _bestSize = 0;
  private _cell: ISharedCell | undefined;
  private _disposed = false;
}

export interface IKeepCutShortOptions {
  notebook: Pick<INotebookModel, 'sharedModel'> & {
    readonly cells?: Iterable<{ id: string }>;
  };
  /** The cell model the run started with (replaced if the document is). */
  model: ICodeCellModel;
  cellId: string;
  /** The message output to show once. */
  message: nbformat.IError;
  /** Outputs to restore if the cell now holds only a prefix of them. */
  outputs?: nbformat.IOutput[];
  /** How long to write them again after a document reload (ms). */
  keepMs?: number;
}

/**
 * Make the cell show `outputs` (when it holds a prefix of them) and the
 * message once, now and, for `keepMs`, whenever the cell is replaced or
 * loses them again while idle. Stops early when the cell starts a run.
 * Returns a disposer.
 */
export function keepCutShort(options: IKeepCutShortOptions): () => void {
  const shared = options.notebook.sharedModel as ISharedNotebook;
  let done = false;
  let writing = false;
  const idleSeen = new WeakSet<object>();
  const ensure = () => {
    if (done || writing) {
      return;
    }
    const model = currentModel(options);
    if (!model || model.isDisposed) {
      return;
    }
    const running = model.executionState === 'running';
    if (
      model.executionCount !== null ||
      (running && idleSeen.has(model.sharedModel))
    ) {
      // A run that ended after all, or a new run of this cell: not ours
      // to touch. (A `[*]` in a cell never seen idle is the cut run's.)
      stop();
      return;
    }
    writing = true;
    try {
      ensureOutputs(model, options.outputs ?? [], options.message);
      idleSeen.add(model.sharedModel);
    } finally {
      writing = false;
    }
  };
  // A reloaded document replaces the cell (a notebook change); a cell
  // that loses outputs in place changes itself.
  let cell: ISharedCell | undefined;
  const onChanged = () => {
    const now = findSharedCell(shared, options.cellId);
    if (now !== cell) {
      cell?.changed.disconnect(onChanged);
      cell = now;
      cell?.changed.connect(onChanged);
    }
    ensure();
  };
  shared.changed.connect(onChanged);
  const timer = setTimeout(
    () => stop(),
    options.keepMs ?? Timings.cutShortKeep
  );
  function stop() {
    if (done) {
      return;
    }
    done = true;
    clearTimeout(timer);
    shared.changed.disconnect(onChanged);
    cell?.changed.disconnect(onChanged);
  }
  onChanged();
  return stop;
}

/** The message output, if the outputs hold it. */
export function hasMessage(
  outputs: nbformat.IOutput[],
  message: nbformat.IError
): boolean {
  return outputs.some(
    output =>
      output.output_type === 'error' &&
      output.ename === message.ename &&
      output.evalue === message.evalue
  );
}

function ensureOutputs(
  model: ICodeCellModel,
  remembered: nbformat.IOutput[],
  message: nbformat.IError
): void {
  const doc = model.sharedModel.getOutputs() as nbformat.IOutput[];
  if (!hasMessage(doc, message)) {
    const relation = compareOutputs(doc, remembered);
    if (relation.kind === 'behind') {
      // Adding through the model writes as a local run does (a stream tail
      // goes to the last stream's text).
      for (const output of relation.missing) {
        model.outputs.add(output);
      }
    }
    model.outputs.add(message);
  }
  if (model.executionState !== 'idle') {
    model.executionState = 'idle';
  }
}

function currentModel(options: IKeepCutShortOptions): ICodeCellModel | null {
  if (
    !options.model.isDisposed &&
    options.model.sharedModel.getId() === options.cellId &&
    findSharedCell(
      options.notebook.sharedModel as ISharedNotebook,
      options.cellId
    ) === options.model.sharedModel
  ) {
    return options.model;
  }
  for (const model of options.notebook.cells ?? []) {
    if (model.id === options.cellId) {
      const code = model as unknown as ICodeCellModel;
      return code.type === 'code' ? code : null;
    }
  }
  return null;
}

function findSharedCell(
  notebook: ISharedNotebook,
  cellId: string
): ISharedCell | undefined {
  return notebook.cells.find(cell => cell.getId() === cellId);
}
