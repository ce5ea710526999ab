/**
 * A cell's in-flight state from facts: pure, mutates nothing (table-tested
 * in derive.spec.ts). The model gathers the facts and applies the two
 * effects the result asks for (`stale`, `settleOwn`).
 */
import type {
  IInFlightRequest,
  InFlightSource,
  InFlightState,
  RequestStatus
} from '../tokens';

/**
 * What the shared document says about the cell.
 */
export interface IDocumentFacts {
  /** `execution_state` is `running` (or `busy`), or was before a move. */
  active: boolean;
  /** `execution_state` is `running` or `busy` now. */
  stateRunning: boolean;
  /** `execution_state` is `busy`: the server has the cell (busy backends). */
  busy: boolean;
  /** Running only because a move dropped `execution_state`. */
  carried: boolean;
  /** The request the backend's mark names on this kernel, if any. */
  serverRequest: string | null;
  /** That request is known to be over. */
  serverRequestEnded: boolean;
  /** When the mark last changed, and when the cell last became active. */
  serverSince: number;
  activeSince: number;
  /** Active before the model watched it (seen when the notebook opened). */
  initial: boolean;
  /** Its kernel restarted or was interrupted (`soft`), died or changed (`hard`). */
  orphaned: 'soft' | 'hard' | null;
  orphanedAt: number;
  /** The user cleared it as stale. */
  dismissed: boolean;
  /** Flagged stale before (sticky until its document state changes). */
  stale: boolean;
}

/**
 * This tab's own submission of the cell.
 */
export interface IOwnFacts {
  requestId: string | null;
  kernelId: string;
  /** The status this tab's own reads last reported. */
  status: RequestStatus | null;
  at: number;
  /** The executor is settling it, or it finished. */
  settling: boolean;
  finished: boolean;
  /** Its request is known to be over. */
  ended: boolean;
}

/**
 * What the kernel's listing and status say.
 */
export interface IKernelFacts {
  status: string;
  /** Whether a valid listing exists, when it was read, and the kernel then. */
  hasListing: boolean;
  listedAt: number;
  idleAtListing: boolean;
  /** The best-ranked listed request for this cell, if any. */
  listed: IInFlightRequest | undefined;
  /** Whether this tab's own request is among those listed for the cell. */
  ownListed: boolean;
}

export interface ICellFacts {
  doc: IDocumentFacts;
  own: IOwnFacts | undefined;
  /** Undefined when the notebook has no kernel, or it is unknown. */
  kernel: IKernelFacts | undefined;
  /** Whether the notebook has a kernel at all. */
  hasKernel: boolean;
  /** How long after a cell started a listing proves something (ms). */
  grace: number;
}

/**
 * Why a fresh listing would help: only time is missing (`grace`), or the
 * kernel's state or a missing listing (`other`).
 */
export type NeedReason = 'grace' | 'other';

export interface IDerivation {
  state: InFlightState | null;
  requestId: string | null;
  kernelId: string | null;
  ours: boolean;
  source: InFlightSource;
  need: NeedReason | null;
  /** Flag the cell stale (sticky). */
  stale: boolean;
  /** This tab's submission is over: mark it settling. */
  settleOwn: boolean;
}

const NOTHING: IDerivation = {
  state: null,
  requestId: null,
  kernelId: null,
  ours: false,
  source: 'document',
  need: null,
  stale: false,
  settleOwn: false
};

/**
 * Whether a listing read at `listedAt` proves something about a cell that
 * became active at `since`. A cell already active when the notebook opened
 * needs no grace.
 */
export function confirms(
  kernel: Pick<IKernelFacts, 'hasListing' | 'listedAt'>,
  since: number,
  initial: boolean,
  grace: number
): boolean {
  if (!kernel.hasListing) {
    return false;
  }
  return initial ? kernel.listedAt >= since : kernel.listedAt >= since + grace;
}

/**
 * The state of one cell.
 *
 * 1. The listing wins: it is the only source that tells queued, running
 *    and input apart (a `queued` request the document shows started counts
 *    as running).
 * 2. Then this tab's submission: queued until the server's mark names its
 *    request (or the document says `busy`), running after.
 * 3. Then the document. `busy`, or running with the server's mark, is
 *    running; running without it is queued, until a listing read after it
 *    started does not list it: then it is stale if the kernel is idle, and
 *    running (in some tab, outside the server) if the kernel is busy. A mark
 *    alone (a moved cell seen fresh) is running until a listing drops it.
 *    Cells cut off by a restart, a death or an interrupt are not counted
 *    until they can be flagged stale.
 */
export function deriveCell(facts: ICellFacts): IDerivation {
  const { doc, kernel } = facts;
  const serverRequest = doc.serverRequest;
  const settleOwn = !!facts.own?.ended && !facts.own.finished;
  const own = facts.own;
  const ownActive =
    own !== undefined && !own.settling && !own.finished && !own.ended;

  const listed = kernel?.listed;
  if (listed) {
    let state: InFlightState = listed.status;
    if (state === 'queued' && serverRequest === listed.requestId) {
      // The listing was read before the server started it.
      state = 'running';
    }
    if (
      state === 'running' &&
      ownActive &&
      own!.status === 'input' &&
      own!.requestId === listed.requestId
    ) {
      // The listing does not report stdin prompts; this tab's reads do.
      state = 'input';
    }
    return {
      ...NOTHING,
      state,
      requestId: listed.requestId,
      kernelId: listed.kernelId,
      ours: ownActive && (own!.requestId === null || kernel!.ownListed),
      source: 'listing',
      settleOwn
    };
  }

  if (own && ownActive) {
    const started =
      doc.busy ||
      (serverRequest !== null &&
        !doc.serverRequestEnded &&
        (own.requestId !== null
          ? serverRequest === own.requestId
          : doc.serverSince > own.at));
    let state: InFlightState = started ? 'running' : 'queued';
    if (own.status === 'input' || (own.status === 'running' && !started)) {
      state = own.status;
    }
    return {
      ...NOTHING,
      state,
      requestId: own.requestId,
      kernelId: own.kernelId,
      ours: true,
      source: 'submission'
    };
  }

  if (!doc.active || doc.dismissed) {
    return { ...NOTHING, settleOwn };
  }
  if (own) {
    // This tab's executor is settling it: wait for its write or a listing.
    return { ...NOTHING, need: 'other', settleOwn };
  }

  const status = kernel?.status;
  const idle = status === 'idle';
  const document = (
    state: InFlightState,
    need: NeedReason | null = null
  ): IDerivation => ({
    ...NOTHING,
    state,
    requestId: serverRequest,
    need
  });
  const stale = (): IDerivation => ({ ...document('stale'), stale: true });

  if (doc.stale) {
    return stale();
  }
  if (doc.orphaned === 'hard') {
    return idle || status === 'dead' || !facts.hasKernel ? stale() : NOTHING;
  }
  if (!doc.stateRunning && !doc.carried) {
    // Active through the server's mark only (a moved cell seen fresh):
    // running until a listing says the request is over.
    return document('running', kernel?.hasListing ? 'grace' : 'other');
  }
  const soft = doc.orphaned === 'soft';
  const unconfirmed = soft
    ? NOTHING
    : document(serverRequest !== null || doc.busy ? 'running' : 'queued');
  if (!kernel || !kernel.hasListing) {
    return { ...unconfirmed, need: 'other' };
  }
  const since = soft ? doc.orphanedAt : doc.activeSince;
  if (!confirms(kernel, since, doc.initial && !soft, facts.grace)) {
    return { ...unconfirmed, need: 'grace' };
  }
  if (kernel.idleAtListing && idle) {
    return stale();
  }
  // Not on the server while the kernel works: a run outside the server
  // (a tab in stock mode), or the kernel settles after an interrupt.
  return soft ? { ...NOTHING, need: 'other' } : document('running', 'other');
}
