/**
 * This tab's own submissions, per notebook: what the executor reported.
 */
import type { RequestStatus } from '../tokens';
import type { ICellRecord, INotebookRecord } from './records';

/**
 * A change in one of this tab's submissions, keyed by notebook key (the
 * in-flight service maps `ISubmissionEvent.notebook` to its key).
 */
export interface ISubmissionInput {
  key: string;
  cellId: string;
  kernelId: string;
  requestId: string | null;
  phase: 'submitting' | 'accepted' | 'finished';
  /**
   * With `accepted`: the request's status as this tab's own reads last
   * reported it (the server's listing does not report stdin prompts).
   */
  status?: RequestStatus;
}

/**
 * Record a change in one of this tab's submissions.
 */
export function applySubmission(
  nb: INotebookRecord,
  event: ISubmissionInput,
  now: number,
  host: {
    /** A request is over. */
    end(requestId: string): void;
    /** A new run of a cell starts: whatever was flagged about it is moot. */
    newRun(rec: ICellRecord): void;
  }
): void {
  const own = nb.own.get(event.cellId);
  switch (event.phase) {
    case 'submitting':
    case 'accepted': {
      if (
        event.phase !== 'accepted' ||
        !own ||
        own.finished ||
        (own.requestId !== null && own.requestId !== event.requestId)
      ) {
        nb.own.set(event.cellId, {
          kernelId: event.kernelId,
          requestId: event.requestId,
          status: event.status ?? null,
          at: now,
          settling: false,
          finished: false
        });
        const rec = nb.cells.get(event.cellId);
        if (rec) {
          // A new run: whatever we flagged about the previous one is moot.
          host.newRun(rec);
          rec.activeSince = now;
          rec.initial = false;
        }
      } else {
        own.requestId = event.requestId;
        own.kernelId = event.kernelId;
        own.status = event.status ?? own.status;
      }
      break;
    }
    case 'finished': {
      if (event.requestId) {
        host.end(event.requestId);
      }
      if (
        own &&
        (own.requestId === null ||
          event.requestId === null ||
          own.requestId === event.requestId)
      ) {
        // Hidden until the executor's own write to the cell, or the next
        // listing, so a cell it is about to reset never flashes as stale.
        own.finished = true;
        own.settling = true;
      }
      break;
    }
  }
}
