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
 * Derive the entries of some notebooks again (with `only`, of those cells).
 *
 * @returns the keys of the notebooks whose entries changed, and per kernel
 * why a fresh listing would settle a cell (any cell, derived now or before).
 */
export function deriveNotebooks(
  notebooks: Iterable<INotebookRecord>,
  now: number,
  derive: (nb: INotebookRecord, rec: ICellRecord) => IDerivation,
  only?: ReadonlySet<string>
): { changedKeys: string[]; needs: Map<string, Set<NeedReason>> } {
  const needs = new Map<string, Set<NeedReason>>();
  const changedKeys: string[] = [];
  for (const nb of notebooks) {
    const next = nextEntries(nb, now, rec => derive(nb, rec), only);
    if (!sameEntries(nb.entries, next)) {
      changedKeys.push(nb.key);
      nb.entries = next;
    }
    addNeeds(nb, needs);
  }
  return { changedKeys, needs };
}

/**
 * The next entries of a notebook. Each derived cell keeps why a fresh
 * listing would settle it (`need`).
 *
 * With `only`, the other cells keep their entries: the caller knows that
 * nothing they are derived from changed.
 */
export function nextEntries(
  nb: INotebookRecord,
  now: number,
  derive: (rec: ICellRecord) => IDerivation,
  only?: ReadonlySet<string>
): Map<string, IInFlightEntry> {
  const next = new Map<string, IInFlightEntry>();
  for (const rec of nb.cells.values()) {
    if (only !== undefined && !only.has(rec.id)) {
      const kept = nb.entries.get(rec.id);
      if (kept) {
        next.set(rec.id, kept);
      }
      continue;
    }
    const derived = derive(rec);
    rec.need = derived.need;
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

/** Add, under the notebook's kernel, why a fresh listing would settle its cells. */
function addNeeds(
  nb: INotebookRecord,
  needs: Map<string, Set<NeedReason>>
): void {
  if (nb.kernelId === null) {
    return;
  }
  for (const rec of nb.cells.values()) {
    if (rec.need) {
      const reasons = needs.get(nb.kernelId) ?? new Set<NeedReason>();
      reasons.add(rec.need);
      needs.set(nb.kernelId, reasons);
    }
  }
}

/**
 * `cells`, and the cells of `notebooks` whose facts name one of `ended`
 * (requests just over): by the backend's mark, this tab's submission or the
 * kernel's listing.
 */
export function withCellsNaming(
  cells: ReadonlySet<string>,
  ended: ReadonlySet<string>,
  notebooks: readonly INotebookRecord[],
  ledger: KernelLedger
): ReadonlySet<string> {
  if (ended.size === 0) {
    return cells;
  }
  const all = new Set(cells);
  for (const nb of notebooks) {
    for (const rec of nb.cells.values()) {
      if (rec.serverRequestId !== null && ended.has(rec.serverRequestId)) {
        all.add(rec.id);
      }
    }
    for (const [cellId, own] of nb.own) {
      if (own.requestId !== null && ended.has(own.requestId)) {
        all.add(cellId);
      }
    }
    const listing = ledger.get(nb.kernelId)?.listing;
    for (const [cellId, requests] of listing ?? []) {
      if (requests.some(request => ended.has(request.requestId))) {
        all.add(cellId);
      }
    }
  }
  return all;
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
