/**
 * What the server says about a kernel: its status and its list of requests
 * in flight, applied to the records of the notebooks running on it.
 *
 * Plain functions over the model's records (the model recomputes the
 * entries afterwards); no signals, no DOM.
 */
import type { IInFlightRequest } from '../tokens';
import type { CellsObserver } from './cells';
import type { KernelLedger } from './kernels';
import type { INotebookRecord } from './records';

/**
 * Whether a kernel status ends every execution of that kernel.
 */
export function endsExecutions(status: string): boolean {
  return (
    status === 'restarting' || status === 'autorestarting' || status === 'dead'
  );
}

/**
 * A kernel restarted or died: forget what it listed (keeping queued
 * requests, which a server may hold across a restart) and orphan the cells
 * of its notebooks that the document marks running.
 */
export function endKernelExecutions(
  ledger: KernelLedger,
  cells: CellsObserver,
  kernelId: string,
  status: string,
  notebooks: readonly INotebookRecord[]
): void {
  const kernel = ledger.kernel(kernelId);
  for (const requests of kernel.listing?.values() ?? []) {
    for (const request of requests) {
      if (request.status !== 'queued') {
        // A server may keep listing a request lost in a restart.
        ledger.end(request.requestId);
      }
    }
  }
  kernel.listing = null;
  for (const nb of notebooks) {
    cells.orphan(nb, status === 'dead' ? 'dead' : 'restart');
  }
}

/**
 * Record a kernel's listing (requests matched to cells by `cellId`) and end
 * what it proves over: a started request no longer listed, a moved cell no
 * longer running; this tab's own submissions that settled give way to it.
 */
export function recordListing(
  ledger: KernelLedger,
  kernelId: string,
  requests: readonly IInFlightRequest[],
  now: number,
  notebooks: readonly INotebookRecord[]
): void {
  const kernel = ledger.kernel(kernelId);
  const byCell = new Map<string, IInFlightRequest[]>();
  const listedIds = new Set<string>();
  for (const request of requests) {
    listedIds.add(request.requestId);
    if (!request.cellId || ledger.isEnded(request.requestId)) {
      continue;
    }
    const list = byCell.get(request.cellId) ?? [];
    list.push(request);
    byCell.set(request.cellId, list);
  }
  kernel.listing = byCell;
  kernel.listedAt = now;
  kernel.idleAtListing = kernel.status === 'idle';
  for (const nb of notebooks) {
    for (const [cellId, own] of [...nb.own]) {
      if (own.settling || own.finished) {
        // The executor had its chance: the document and this listing rule.
        nb.own.delete(cellId);
      }
    }
    for (const rec of nb.cells.values()) {
      const request = rec.serverRequestId;
      if (
        request !== null &&
        !listedIds.has(request) &&
        ledger.confirms(kernel, rec.serverSince, rec.initial)
      ) {
        // Started (we saw its metadata) and no longer listed: over.
        ledger.end(request);
      }
      if (
        rec.carried &&
        !byCell.has(rec.id) &&
        ledger.confirms(kernel, rec.activeSince, rec.initial)
      ) {
        // A moved cell lost its running state; the run is now over.
        rec.carried = false;
      }
    }
  }
}
