/**
 * Keeps the POSTs of one notebook in the order the cells were run.
 *
 * `NotebookActions.runCells` calls the executor for every selected cell at
 * once, and each call awaits different things before it can post, so without
 * a queue cell 3 could reach the server before cell 2.
 */

/**
 * A place in the queue, taken synchronously when a cell is run.
 */
export interface ISubmissionTicket {
  /** Resolves when every earlier ticket of the same queue was released. */
  readonly turn: Promise<void>;
  /** Whether the queue was aborted before this ticket was released. */
  readonly aborted: boolean;
  /** Let the next ticket go; call once the server accepted (or refused) the cell. */
  release(): void;
}

class Ticket implements ISubmissionTicket {
  constructor(
    readonly turn: Promise<void>,
    private readonly _onRelease: (ticket: Ticket) => void
  ) {}

  get aborted(): boolean {
    return this._aborted;
  }

  abort(): void {
    if (!this._released) {
      this._aborted = true;
    }
  }

  release(): void {
    if (this._released) {
      return;
    }
    this._released = true;
    this._onRelease(this);
  }

  private _aborted = false;
  private _released = false;
}

/**
 * FIFO queues of submissions, one per key (a notebook).
 */
export class SubmissionQueue<K extends object> {
  /**
   * Take the next place in the queue of `key`.
   */
  schedule(key: K): ISubmissionTicket {
    const state = this._queues.get(key) ?? {
      tail: Promise.resolve(),
      pending: new Set<Ticket>()
    };
    this._queues.set(key, state);

    let releaseTurn!: () => void;
    const released = new Promise<void>(resolve => {
      releaseTurn = resolve;
    });
    const ticket = new Ticket(state.tail, done => {
      state.pending.delete(done);
      releaseTurn();
    });
    state.pending.add(ticket);
    state.tail = released;
    return ticket;
  }

  /**
   * Abort every ticket of `key` that was not released yet.
   *
   * This is stop-on-error: the cells queued behind a failed one must not run.
   *
   * @returns how many tickets were aborted.
   */
  abortPending(key: K): number {
    const state = this._queues.get(key);
    if (!state) {
      return 0;
    }
    let count = 0;
    for (const ticket of state.pending) {
      if (!ticket.aborted) {
        ticket.abort();
        count++;
      }
    }
    return count;
  }

  private _queues = new WeakMap<
    K,
    { tail: Promise<void>; pending: Set<Ticket> }
  >();
}
