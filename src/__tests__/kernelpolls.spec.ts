import { BackendError, isMissingRoute } from '../backend/types';
import {
  KernelPolls,
  type IKernelPoll,
  type IKernelPollsOptions,
  type ReadOutcome
} from '../server/kernelpolls';

interface IState {
  awake: boolean;
}

/**
 * A reader of one value per kernel: `answer` says what the next reads
 * return (a value, an error, or a promise the test resolves), `outcome`
 * what applying it did.
 */
function fakeReader(over: Partial<IKernelPollsOptions<IState, string>> = {}) {
  const times: number[] = [];
  const applied: Array<[string, string]> = [];
  const control = {
    answer: (kernel: IKernelPoll<IState>): Promise<string | undefined> =>
      Promise.resolve('v'),
    outcome: 'same' as ReadOutcome
  };
  const read = jest.fn((kernel: IKernelPoll<IState>) => {
    times.push(Date.now());
    return control.answer(kernel);
  });
  const polls = new KernelPolls<IState, string>({
    name: 'test',
    minMs: 100,
    maxMs: 400,
    standby: 'never',
    create: () => ({ awake: false }),
    read,
    apply: (kernel, value) => {
      applied.push([kernel.kernelId, value]);
      return control.outcome;
    },
    ...over
  });
  /** The next read hangs until the returned function answers it. */
  const hold = () => {
    let release: (value: string) => void = () => undefined;
    control.answer = () =>
      new Promise(resolve => {
        release = resolve;
      });
    return (value: string) => release(value);
  };
  return { polls, read, times, applied, control, hold };
}

/** Start polling a kernel as the owners do when something new comes. */
function begin(polls: KernelPolls<IState, string>, kernelId = 'k1') {
  const kernel = polls.ensure(kernelId)!;
  polls.quicken(kernel);
  polls.start(kernel);
  return kernel;
}

function delays(times: number[], start: number): number[] {
  return times.map((t, i) => (i === 0 ? t - start : t - times[i - 1]));
}

describe('KernelPolls', () => {
  let polls: KernelPolls<IState, string> | undefined;

  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    polls?.dispose();
    polls = undefined;
    jest.useRealTimers();
  });

  it('reads at minMs, slows by half while nothing changes up to maxMs, and is quick again after a change', async () => {
    const fake = fakeReader();
    polls = fake.polls;
    const start = Date.now();
    begin(polls);
    await jest.advanceTimersByTimeAsync(1700);
    expect(delays(fake.times, start)).toEqual([100, 150, 225, 338, 400, 400]);

    fake.control.outcome = 'changed';
    const before = fake.times.length;
    await jest.advanceTimersByTimeAsync(400);
    fake.control.outcome = 'same';
    await jest.advanceTimersByTimeAsync(300);
    const after = fake.times.slice(before);
    // The read that changed something is followed after minMs, then 150.
    expect(after.length).toBeGreaterThanOrEqual(3);
    expect(after[1] - after[0]).toBe(100);
    expect(after[2] - after[1]).toBe(150);
  });

  it("backs off with the poll's own backoff while reads fail, and goes on once they succeed", async () => {
    const fake = fakeReader();
    polls = fake.polls;
    fake.control.answer = () =>
      Promise.reject(new BackendError('unreachable', null, 'offline'));
    // Lumino draws each backoff at random in a growing range: the top of
    // it here, so the growth does not depend on the draw.
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.9999);
    begin(polls);
    await jest.advanceTimersByTimeAsync(5000);
    random.mockRestore();
    // Growing intervals (up to maxMs): far fewer reads than one per minMs.
    const gaps = delays(fake.times, fake.times[0]).slice(1);
    expect(gaps.length).toBeGreaterThan(2);
    expect(gaps.length).toBeLessThan(30);
    expect(Math.max(...gaps)).toBeGreaterThan(100);
    expect(fake.applied).toEqual([]);
    expect(polls.isStopped('k1')).toBe(false);

    fake.control.answer = () => Promise.resolve('back');
    await jest.advanceTimersByTimeAsync(30000);
    expect(fake.applied[0]).toEqual(['k1', 'back']);
  });

  it('drops a read older than the last one applied', async () => {
    const fake = fakeReader();
    polls = fake.polls;
    const releaseOld = fake.hold();
    const kernel = begin(polls);
    await jest.advanceTimersByTimeAsync(100);
    expect(fake.read).toHaveBeenCalledTimes(1);

    // A refresh while the first read hangs: the second one answers first.
    fake.control.answer = () => Promise.resolve('new');
    polls.refresh(kernel);
    await jest.advanceTimersByTimeAsync(0);
    expect(fake.applied).toEqual([['k1', 'new']]);
    releaseOld('old');
    await jest.advanceTimersByTimeAsync(0);
    expect(fake.applied).toEqual([['k1', 'new']]);
    expect(kernel.applied).toBe(2);
  });

  it('drops a read of a kernel forgotten meanwhile', async () => {
    const fake = fakeReader();
    polls = fake.polls;
    const release = fake.hold();
    begin(polls);
    await jest.advanceTimersByTimeAsync(100);
    polls.delete('k1');
    expect(polls.get('k1')).toBeUndefined();
    release('late');
    await jest.advanceTimersByTimeAsync(1000);
    expect(fake.applied).toEqual([]);
    expect(fake.read).toHaveBeenCalledTimes(1);
  });

  it.each([404, 405])(
    'stops a kernel for good when a read finds the route missing (%i), until reset',
    async status => {
      const fake = fakeReader({ isMissing: isMissingRoute });
      polls = fake.polls;
      const stopped: string[] = [];
      polls.stopped.connect((_, kernelId) => stopped.push(kernelId));
      fake.control.answer = kernel =>
        kernel.kernelId === 'k1'
          ? Promise.reject(new BackendError('http', status, 'Not Found'))
          : Promise.resolve('v');
      begin(polls);
      begin(polls, 'k2');
      await jest.advanceTimersByTimeAsync(100);
      expect(stopped).toEqual(['k1']);
      expect(polls.isStopped('k1')).toBe(true);
      expect(polls.get('k1')).toBeUndefined();
      expect(polls.ensure('k1')).toBeNull();
      // The other kernel goes on.
      expect(polls.isStopped('k2')).toBe(false);
      await jest.advanceTimersByTimeAsync(1000);
      const k1Reads = () =>
        fake.read.mock.calls.filter(c => c[0].kernelId === 'k1').length;
      expect(k1Reads()).toBe(1);
      expect(fake.applied).toContainEqual(['k2', 'v']);

      polls.reset('k1');
      fake.control.answer = () => Promise.resolve('v');
      const again = polls.ensure('k1')!;
      polls.refresh(again);
      await jest.advanceTimersByTimeAsync(0);
      expect(k1Reads()).toBe(2);
      expect(fake.applied).toContainEqual(['k1', 'v']);
    }
  );

  it('does not stop on a failure that is not a missing route', async () => {
    const fake = fakeReader({ isMissing: isMissingRoute });
    polls = fake.polls;
    fake.control.answer = () =>
      Promise.reject(new BackendError('http', 500, 'Server Error'));
    begin(polls);
    await jest.advanceTimersByTimeAsync(2000);
    expect(polls.isStopped('k1')).toBe(false);
    expect(fake.read.mock.calls.length).toBeGreaterThan(1);
  });

  it('stands by while the page says so, except a kernel kept awake', async () => {
    let hidden = true;
    const fake = fakeReader({
      standby: () => hidden,
      keepAwake: kernel => kernel.state.awake
    });
    polls = fake.polls;
    begin(polls, 'k1');
    const k2 = begin(polls, 'k2');
    k2.state.awake = true;
    await jest.advanceTimersByTimeAsync(2000);
    expect(new Set(fake.read.mock.calls.map(c => c[0].kernelId))).toEqual(
      new Set(['k2'])
    );
    hidden = false;
    await jest.advanceTimersByTimeAsync(500);
    expect(fake.read.mock.calls.map(c => c[0].kernelId)).toContain('k1');
  });

  it('refresh: now, or after the delay, never later than a read already due', async () => {
    const fake = fakeReader();
    polls = fake.polls;
    fake.control.outcome = 'done';
    // An idle kernel: one read after the delay, then nothing.
    const kernel = polls.ensure('k1')!;
    polls.refresh(kernel, 1000);
    polls.refresh(kernel, 1000);
    await jest.advanceTimersByTimeAsync(999);
    expect(fake.read).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(fake.read).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(5000);
    expect(fake.read).toHaveBeenCalledTimes(1);
    expect(polls.isIdle(kernel)).toBe(true);

    polls.refresh(kernel);
    await jest.advanceTimersByTimeAsync(0);
    expect(fake.read).toHaveBeenCalledTimes(2);

    // A running poll whose next read is due sooner keeps that time.
    fake.control.outcome = 'same';
    begin(polls);
    polls.refresh(kernel, 1000);
    await jest.advanceTimersByTimeAsync(100);
    expect(fake.read).toHaveBeenCalledTimes(3);
  });

  it('a read asked for while one is in flight still happens, and the one in flight does not stop it', async () => {
    // The read in flight began before the change that asked for another:
    // its answer can be stale (a listing from before an interrupt).
    for (const delayMs of [undefined, 1000]) {
      const fake = fakeReader();
      polls?.dispose();
      polls = fake.polls;
      fake.control.outcome = 'done';
      const kernel = polls.ensure('k1')!;
      const release = fake.hold();
      polls.refresh(kernel);
      await jest.advanceTimersByTimeAsync(0);
      expect(fake.read).toHaveBeenCalledTimes(1);
      polls.refresh(kernel, delayMs);
      fake.control.answer = () => Promise.resolve('fresh');
      release('stale');
      await jest.advanceTimersByTimeAsync(1000);
      expect(fake.read).toHaveBeenCalledTimes(2);
      expect(fake.applied).toEqual([
        ['k1', 'stale'],
        ['k1', 'fresh']
      ]);
      // One-off reads: nothing after them.
      await jest.advanceTimersByTimeAsync(5000);
      expect(fake.read).toHaveBeenCalledTimes(2);
      expect(polls.isIdle(kernel)).toBe(true);
    }
  });

  it('applies nothing and keeps its pace when there was nothing to ask', async () => {
    const fake = fakeReader();
    polls = fake.polls;
    fake.control.answer = () => Promise.resolve(undefined);
    const start = Date.now();
    begin(polls);
    await jest.advanceTimersByTimeAsync(450);
    expect(fake.applied).toEqual([]);
    // No read applied: the interval stays at minMs.
    expect(delays(fake.times, start)).toEqual([100, 100, 100, 100]);
  });

  it('names each poll after its kernel and stops everything on dispose', async () => {
    const fake = fakeReader();
    polls = fake.polls;
    const kernel = begin(polls);
    expect(kernel.poll.name).toBe('test:k1');
    expect(polls.kernelIds()).toEqual(['k1']);
    polls.dispose();
    polls.dispose();
    expect(polls.isDisposed).toBe(true);
    expect(kernel.poll.isDisposed).toBe(true);
    expect(polls.ensure('k2')).toBeNull();
    await jest.advanceTimersByTimeAsync(1000);
    expect(fake.read).not.toHaveBeenCalled();
  });
});
