/**
 * Foreign runs: the kernel busy with work that neither this tab nor the
 * execution server submitted (another client: a terminal frontend, a stock
 * JupyterLab tab, VS Code, a `jupyter_client` script).
 *
 * A pure derivation from the kernel's activity (`activity.ts`), the cells
 * the in-flight model has on the server for that kernel, and the cells
 * another frontend marked running in the shared document. It says:
 *
 * - whether the kernel runs a foreign run, since when, and which cell when
 *   the document tells;
 * - which cells the model shows running on the server but actually wait
 *   behind it: the server marks a cell running when it hands it to the
 *   kernel, but the kernel starts it (`execute_input`) only once the foreign
 *   run is over;
 * - which session to remember as the server's, once one of its executions
 *   was recognised by its code.
 *
 * Our own runs are never counted twice: an execution sent by this tab's
 * kernel session, by a session known to be the server's, or whose code is
 * the code of the cell the server runs, is not foreign.
 */
import { busySince, type IKernelActivity } from './activity';

/**
 * A cell of an open notebook.
 */
export interface ICellRef {
  /** The notebook key of the in-flight model. */
  readonly key: string;
  readonly cellId: string;
}

/**
 * A cell the in-flight model has in flight on the server for this kernel.
 */
export interface IServerCell extends ICellRef {
  readonly state: 'queued' | 'running' | 'input';
  /** The cell's source now. */
  readonly code: string;
}

/**
 * A cell another frontend marked running in the shared document: no server
 * mark, not in the server's listing, not submitted by this tab.
 */
export interface IDocumentCell extends ICellRef {
  /** When the model first saw it running. */
  readonly since: number;
  readonly code: string;
}

/**
 * Everything the derivation reads, for one kernel.
 */
export interface IForeignInputs {
  readonly kernelId: string;
  readonly activity: IKernelActivity;
  readonly now: number;
  /** Sessions that belong to the execution server (learned or declared). */
  readonly serverSessions: ReadonlySet<string>;
  /** This tab's own kernel sessions (cells it runs in the tab). */
  readonly ownSessions: ReadonlySet<string>;
  /** The model's server cells on this kernel, in the server's order. */
  readonly serverCells: readonly IServerCell[];
  /** Cells another frontend marked running in the document. */
  readonly documentCells: readonly IDocumentCell[];
  /**
   * The cells (of notebooks on this kernel) whose source is exactly this
   * code, to name the cell of a foreign run the document does not mark.
   */
  readonly cellsWithCode?: (code: string) => readonly ICellRef[];
  /**
   * A busy kernel with no execution to show for it counts as a foreign run
   * only after this long: a completion or an inspection request also makes
   * the kernel busy for a moment, and the server's own listing may lag.
   */
  readonly graceMs: number;
}

/**
 * How the derivation learned of a foreign run.
 *
 * - `execute-input`: the kernel echoed another client's code;
 * - `kernel-status`: the kernel reported busy for another client's request;
 * - `rest`: the kernel's REST model said busy (after a reload) and nothing
 *   on the server explains it;
 * - `document`: another frontend marked a cell running, and the tab has no
 *   word from the kernel.
 */
export type ForeignSource =
  'execute-input' | 'kernel-status' | 'rest' | 'document';

/**
 * A run on the kernel from another client.
 */
export interface IForeignRun {
  readonly kernelId: string;
  /** When the tab first knew of it (ms). */
  readonly since: number;
  /** Its cell, when the document says which one. */
  readonly cell: ICellRef | null;
  /** Its code, when the kernel echoed it. */
  readonly code: string | null;
  readonly source: ForeignSource;
}

/**
 * The result for one kernel.
 */
export interface IForeignState {
  readonly run: IForeignRun | null;
  /** Server cells shown running that wait behind the foreign run. */
  readonly waiting: readonly ICellRef[];
  /** A session to remember as the server's (null: nothing new). */
  readonly learnedSession: string | null;
}

const NOTHING: IForeignState = Object.freeze({
  run: null,
  waiting: Object.freeze([]) as readonly ICellRef[],
  learnedSession: null
});

/**
 * Derive the foreign run of one kernel, if any.
 */
export function deriveForeign(inputs: IForeignInputs): IForeignState {
  const { activity } = inputs;
  const current = activity.current;
  if (current) {
    if (
      inputs.ownSessions.has(current.session) ||
      inputs.serverSessions.has(current.session)
    ) {
      return NOTHING;
    }
    const started = inputs.serverCells.filter(cell => cell.state !== 'queued');
    // A queued cell counts too: the kernel's echo can reach the tab before
    // the server's mark saying it handed the cell over.
    const same = inputs.serverCells.filter(cell => cell.code === current.code);
    if (same.length > 0) {
      // The server's run, recognised by its code. Remember its session
      // only when no other client could have sent the same code: no cell
      // another frontend marks running has it.
      const ambiguous = inputs.documentCells.some(
        cell => cell.code === current.code
      );
      return {
        ...NOTHING,
        learnedSession: ambiguous || !current.session ? null : current.session
      };
    }
    return {
      run: {
        kernelId: inputs.kernelId,
        since: current.startedAt,
        cell: nameCell(inputs, current.code),
        code: current.code,
        source: 'execute-input'
      },
      waiting: started.map(refOf),
      learnedSession: null
    };
  }

  const serverStarted = inputs.serverCells.some(
    cell => cell.state !== 'queued'
  );
  // Busy with requests of other clients (not ours, not the server's).
  const foreignBusy = activity.busy.filter(
    request =>
      (request.msgType === null || request.msgType === 'execute_request') &&
      !(request.session !== null && inputs.ownSessions.has(request.session)) &&
      !(request.session !== null && inputs.serverSessions.has(request.session))
  );
  const ownBusy = activity.busy.length > foreignBusy.length;
  if (!serverStarted && !ownBusy) {
    const since = Math.min(
      ...foreignBusy.map(request => request.since),
      activity.restBusySince ?? Infinity
    );
    if (Number.isFinite(since) && inputs.now - since >= inputs.graceMs) {
      return {
        run: {
          kernelId: inputs.kernelId,
          since: Math.min(since, ...inputs.documentCells.map(c => c.since)),
          cell: onlyCell(inputs.documentCells),
          code: null,
          source: foreignBusy.length ? 'kernel-status' : 'rest'
        },
        waiting: [],
        learnedSession: null
      };
    }
  }

  // No word from the kernel at all: another frontend's mark is all we have.
  if (
    activity.watchingSince === null &&
    busySince(activity) === null &&
    inputs.documentCells.length > 0
  ) {
    const first = inputs.documentCells[0];
    return {
      run: {
        kernelId: inputs.kernelId,
        since: Math.min(...inputs.documentCells.map(c => c.since)),
        cell: refOf(first),
        code: null,
        source: 'document'
      },
      waiting: [],
      learnedSession: null
    };
  }
  return NOTHING;
}

/**
 * Whether two derivations say the same (to emit `changed` only on news).
 */
export function sameForeign(a: IForeignState, b: IForeignState): boolean {
  const runA = a.run;
  const runB = b.run;
  const sameRun =
    runA === runB ||
    (runA !== null &&
      runB !== null &&
      runA.kernelId === runB.kernelId &&
      runA.since === runB.since &&
      runA.code === runB.code &&
      runA.source === runB.source &&
      sameCell(runA.cell, runB.cell));
  return (
    sameRun &&
    a.learnedSession === b.learnedSession &&
    a.waiting.length === b.waiting.length &&
    a.waiting.every((cell, i) => sameCell(cell, b.waiting[i]))
  );
}

function nameCell(inputs: IForeignInputs, code: string): ICellRef | null {
  const marked = inputs.documentCells.filter(cell => cell.code === code);
  if (marked.length === 1) {
    return refOf(marked[0]);
  }
  if (marked.length > 1) {
    return null;
  }
  const fromDocument = onlyCell(inputs.documentCells);
  if (fromDocument) {
    return fromDocument;
  }
  const withCode = inputs.cellsWithCode?.(code) ?? [];
  return withCode.length === 1 ? refOf(withCode[0]) : null;
}

function onlyCell(cells: readonly ICellRef[]): ICellRef | null {
  return cells.length === 1 ? refOf(cells[0]) : null;
}

function refOf(cell: ICellRef): ICellRef {
  return { key: cell.key, cellId: cell.cellId };
}

function sameCell(a: ICellRef | null, b: ICellRef | null): boolean {
  return a === b || (!!a && !!b && a.key === b.key && a.cellId === b.cellId);
}
