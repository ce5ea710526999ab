/**
 * Per-kernel facts of the in-flight model: status, the last listing (by
 * cell id, with when it was read), and the requests known to be over.
 */
import type { IInFlightRequest } from '../tokens';
import { confirms } from './derive';
import {
  MAX_ENDED,
  RANK,
  stripDrive,
  type IKernelRecord,
  type INotebookRecord
} from './records';

export class KernelLedger {
  constructor(private readonly _grace: number) {}

  /** The record of a kernel, created on first use. */
  kernel(kernelId: string): IKernelRecord {
    let kernel = this._kernels.get(kernelId);
    if (!kernel) {
      kernel = {
        status: 'unknown',
        listing: null,
        listedAt: 0,
        idleAtListing: false,
        prompted: new Set()
      };
      this._kernels.set(kernelId, kernel);
    }
    return kernel;
  }

  get(kernelId: string | null): IKernelRecord | undefined {
    return kernelId === null ? undefined : this._kernels.get(kernelId);
  }

  /** A request is over (its end was seen in the document or reported). */
  end(requestId: string): void {
    if (this._ended.has(requestId)) {
      return;
    }
    this._ended.add(requestId);
    this._newlyEnded.add(requestId);
    if (this._ended.size > MAX_ENDED) {
      const oldest = this._ended.values().next().value;
      if (oldest !== undefined) {
        this._ended.delete(oldest);
      }
    }
  }

  /**
   * The requests ended since the last call: the cells naming them must be
   * derived again.
   */
  takeNewlyEnded(): ReadonlySet<string> {
    const ended = this._newlyEnded;
    this._newlyEnded = new Set();
    return ended;
  }

  isEnded(requestId: string): boolean {
    return this._ended.has(requestId);
  }

  /**
   * Whether the kernel's listing was read late enough to prove something
   * about a cell that became active at `since`.
   */
  confirms(kernel: IKernelRecord, since: number, initial: boolean): boolean {
    return confirms(
      { hasListing: kernel.listing !== null, listedAt: kernel.listedAt },
      since,
      initial,
      this._grace
    );
  }

  /**
   * The requests the kernel's listing has for a cell of a notebook;
   * `sharing` are the notebooks on the same kernel.
   */
  listedRequests(
    nb: INotebookRecord,
    cellId: string,
    kernel: IKernelRecord | undefined,
    sharing: INotebookRecord[]
  ): IInFlightRequest[] {
    const requests = (kernel?.listing?.get(cellId) ?? []).filter(
      request => !this._ended.has(request.requestId)
    );
    if (
      requests.length === 0 ||
      sharing.filter(other => other.cells.has(cellId)).length < 2
    ) {
      return requests;
    }
    // Copies of a notebook share cell ids: tell them apart by path.
    return requests.filter(
      request =>
        request.documentPath === null ||
        stripDrive(request.documentPath) === stripDrive(nb.key)
    );
  }

  /** The best-ranked of those (input over running over queued). */
  listed(
    nb: INotebookRecord,
    cellId: string,
    kernel: IKernelRecord | undefined,
    sharing: INotebookRecord[]
  ): IInFlightRequest | undefined {
    let best: IInFlightRequest | undefined;
    for (const request of this.listedRequests(nb, cellId, kernel, sharing)) {
      if (!best || RANK[request.status] > RANK[best.status]) {
        best = request;
      }
    }
    return best;
  }

  clear(): void {
    this._kernels.clear();
  }

  private _kernels = new Map<string, IKernelRecord>();
  private _ended = new Set<string>();
  private _newlyEnded = new Set<string>();
}
