import { SubmissionQueue } from '../execution/submissionqueue';

/** Let every pending microtask and timer callback run. */
function flush(): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, 0));
}

describe('SubmissionQueue', () => {
  it('runs tickets taken synchronously in order, even when earlier tasks take longer', async () => {
    const queue = new SubmissionQueue<object>();
    const key = {};
    const log: string[] = [];
    // Task durations: the first is the slowest, the last the fastest.
    const durations = [40, 20, 5, 0];
    const runs = durations.map(async (ms, index) => {
      const ticket = queue.schedule(key);
      await ticket.turn;
      log.push(`start ${index}`);
      await new Promise(resolve => setTimeout(resolve, ms));
      log.push(`end ${index}`);
      ticket.release();
    });
    await Promise.all(runs);
    expect(log).toEqual([
      'start 0',
      'end 0',
      'start 1',
      'end 1',
      'start 2',
      'end 2',
      'start 3',
      'end 3'
    ]);
  });

  it('gives the first ticket its turn at once and the next one only after release', async () => {
    const queue = new SubmissionQueue<object>();
    const key = {};
    const first = queue.schedule(key);
    const second = queue.schedule(key);
    let firstTurn = false;
    let secondTurn = false;
    void first.turn.then(() => (firstTurn = true));
    void second.turn.then(() => (secondTurn = true));
    await flush();
    expect(firstTurn).toBe(true);
    expect(secondTurn).toBe(false);

    first.release();
    await flush();
    expect(secondTurn).toBe(true);
  });

  it('makes release idempotent: a second release does not let a later ticket jump the queue', async () => {
    const queue = new SubmissionQueue<object>();
    const key = {};
    const first = queue.schedule(key);
    const second = queue.schedule(key);
    const third = queue.schedule(key);
    let thirdTurn = false;
    void third.turn.then(() => (thirdTurn = true));

    first.release();
    first.release();
    first.release();
    await flush();
    // The second ticket still holds its turn, so the third must wait.
    expect(thirdTurn).toBe(false);

    second.release();
    await flush();
    expect(thirdTurn).toBe(true);
  });

  it('aborts only the unreleased tickets of the key and returns how many', async () => {
    const queue = new SubmissionQueue<object>();
    const key = {};
    const released = queue.schedule(key);
    const holding = queue.schedule(key);
    const waiting = queue.schedule(key);
    released.release();

    expect(queue.abortPending(key)).toBe(2);
    expect(released.aborted).toBe(false);
    expect(holding.aborted).toBe(true);
    expect(waiting.aborted).toBe(true);

    // Already aborted tickets are not counted again.
    expect(queue.abortPending(key)).toBe(0);

    // Aborted tickets still take their turn in order, so they can be told.
    let waitingTurn = false;
    void waiting.turn.then(() => (waitingTurn = true));
    holding.release();
    await flush();
    expect(waitingTurn).toBe(true);

    // A released ticket stays aborted (the flag is not cleared by release).
    expect(holding.aborted).toBe(true);
    waiting.release();

    // Tickets taken after the abort are not affected, and nothing holds
    // them back.
    const later = queue.schedule(key);
    await expect(later.turn).resolves.toBeUndefined();
    expect(later.aborted).toBe(false);
    expect(queue.abortPending(key)).toBe(1);
    expect(later.aborted).toBe(true);
  });

  it('returns 0 when aborting a key it never saw', () => {
    const queue = new SubmissionQueue<object>();
    expect(queue.abortPending({})).toBe(0);
  });

  it('keeps keys independent', async () => {
    const queue = new SubmissionQueue<object>();
    const a = {};
    const b = {};
    const a1 = queue.schedule(a);
    const a2 = queue.schedule(a);
    const b1 = queue.schedule(b);
    const b2 = queue.schedule(b);

    // b's first ticket does not wait for a's.
    let b1Turn = false;
    let a2Turn = false;
    let b2Turn = false;
    void b1.turn.then(() => (b1Turn = true));
    void a2.turn.then(() => (a2Turn = true));
    void b2.turn.then(() => (b2Turn = true));
    await flush();
    expect(b1Turn).toBe(true);
    expect(a2Turn).toBe(false);

    // Releasing a's ticket does not move b's queue.
    a1.release();
    await flush();
    expect(a2Turn).toBe(true);
    expect(b2Turn).toBe(false);

    // Aborting a leaves b alone.
    expect(queue.abortPending(a)).toBe(1);
    expect(a2.aborted).toBe(true);
    expect(b1.aborted).toBe(false);
    expect(b2.aborted).toBe(false);
  });
});
