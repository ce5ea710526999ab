/**
 * A notebook's entries from the derivation of each cell: unchanged entries
 * are kept as they were (same object), so `changed` fires only on a change.
 */
import type { IInFlightEntry } from '../tokens';
import type { CellsObserver } from './cells';
import { deriveCell, type IDerivation, type NeedReason } from './derive';
import type { KernelLedger } from './kernels';
import { sameEntries, type ICellRecord, type INotebookRecord } from './records';

/**
 * Derive the entries of some notebooks again (with `only`, of one cell).
 *
 * @returns the keys of the notebooks whose entries changed, and per kernel
 * why a fresh listing would settle a cell.
 */
export function deriveNotebooks(
  notebooks: Iterable<INotebookRecord>,
  now: number,
  derive: (nb: INotebookRecord, rec: ICellRecord) => IDerivation,
  only?: string
): { changedKeys: string[]; needs: Map<string, Set<NeedReason>> } {
  const needs = new Map<string, Set<NeedReason>>();
  const changedKeys: string[] = [];
  for (const nb of notebooks) {
    const next = nextEntries(nb, now, rec => derive(nb, rec), needs, only);
    if (!sameEntries(nb.entries, next)) {
      changedKeys.push(nb.key);
    }
    nb.entries = next;
  }
  return { changedKeys, needs };
}

/**
 * The next entries of a notebook; adds to `needs`, per kernel, why a fresh
 * listing would settle a cell.
 *
 * With `only`, the other cells keep their entries: the caller knows that
 * nothing they are derived from changed.
 */
export function nextEntries(
  nb: INotebookRecord,
  now: number,
  derive: (rec: ICellRecord) => IDerivation,
  needs: Map<string, Set<NeedReason>>,
  only?: string
): Map<string, IInFlightEntry> {
  const next = new Map<string, IInFlightEntry>();
  for (const rec of nb.cells.values()) {
    if (only !== undefined && rec.id !== only) {
      const kept = nb.entries.get(rec.id);
      if (kept) {
        next.set(rec.id, kept);
      }
      continue;
    }
    const derived = derive(rec);
    if (derived.need && nb.kernelId !== null) {
      const reasons = needs.get(nb.kernelId) ?? new Set<NeedReason>();
      reasons.add(derived.need);
      needs.set(nb.kernelId, reasons);
    }
    if (!derived.state) {
      continue;
    }
    const old = nb.entries.get(rec.id);
    const kernelId = derived.kernelId ?? nb.kernelId;
    if (
      old &&
      old.state === derived.state &&
      old.requestId === derived.requestId &&
      old.ours === derived.ours &&
      old.source === derived.source &&
      old.kernelId === kernelId
    ) {
      next.set(rec.id, old);
    } else {
      next.set(rec.id, {
        key: nb.key,
        cellId: rec.id,
        state: derived.state,
        since: old && old.state === derived.state ? old.since : now,
        firstSeen: old ? old.firstSeen : now,
        kernelId,
        requestId: derived.requestId,
        ours: derived.ours,
        source: derived.source
      });
    }
  }
  return next;
}

/**
 * The state of one cell: gather the facts, derive (`derive.ts`), apply
 * the effects the derivation asks for.
 */
export function deriveWithEffects(
  nb: INotebookRecord,
  rec: ICellRecord,
  ctx: {
    ledger: KernelLedger;
    cells: CellsObserver;
    grace: number;
    sharing: INotebookRecord[];
    /** Requests of the cell's kernel that wait on a stdin prompt. */
    prompted?: ReadonlySet<string>;
  }
): IDerivation {
  const kernel = nb.kernelId !== null ? ctx.ledger.get(nb.kernelId) : undefined;
  const serverRequest = ctx.cells.serverRequest(nb, rec);
  const own = nb.own.get(rec.id);
  const listed = ctx.ledger.listed(nb, rec.id, kernel, ctx.sharing);
  const derived = deriveCell({
    doc: {
      active: ctx.cells.isActive(nb, rec),
      stateRunning: rec.stateRunning,
      busy: rec.busy,
      carried: rec.carried,
      serverRequest,
      serverRequestEnded:
        serverRequest !== null && ctx.ledger.isEnded(serverRequest),
      serverSince: rec.serverSince,
      activeSince: rec.activeSince,
      initial: rec.initial,
      orphaned: rec.orphaned,
      orphanedAt: rec.orphanedAt,
      dismissed: rec.dismissed,
      stale: rec.stale
    },
    own: own && {
      ...own,
      ended: !!own.requestId && ctx.ledger.isEnded(own.requestId)
    },
    kernel: kernel && {
      status: kernel.status,
      hasListing: kernel.listing !== null,
      listedAt: kernel.listedAt,
      idleAtListing: kernel.idleAtListing,
      listed,
      ownListed:
        !!listed &&
        own?.requestId !== null &&
        own !== undefined &&
        ctx.ledger
          .listedRequests(nb, rec.id, kernel, ctx.sharing)
          .some(request => request.requestId === own.requestId)
    },
    hasKernel: nb.kernelId !== null,
    grace: ctx.grace
  });
  if (
    derived.state === 'running' &&
    derived.requestId !== null &&
    ctx.prompted?.has(derived.requestId)
  ) {
    // A prompt found for the request (any tab's run): the listing says
    // only `running`.
    derived.state = 'input';
  }
  if (derived.settleOwn && own) {
    // The document showed its end before the executor reported it.
    own.finished = true;
    own.settling = true;
  }
  if (derived.stale) {
    // Sticky until the cell's document state changes or the user clears.
    rec.stale = true;
  }
  return derived;
}
