import { BackendError } from '../backend/types';
import { NBMODEL_CAPABILITIES } from '../backend/nbmodel';
import { ListingPoller, type TrackedStatus } from '../server/poller';
import type { IExecutionBackend, IInFlightRequest } from '../tokens';

function request(
  requestId: string,
  status: IInFlightRequest['status'] = 'running'
): IInFlightRequest {
  return {
    requestId,
    kernelId: 'k1',
    cellId: null,
    documentPath: null,
    status
  };
}

function fakeBackend() {
  let listing: IInFlightRequest[] | Error = [];
  const times: number[] = [];
  const listInFlight = jest.fn(async (kernelId: string) => {
    times.push(Date.now());
    if (listing instanceof Error) {
      throw listing;
    }
    return listing;
  });
  const backend = {
    id: 'fake',
    label: 'fake',
    capabilities: NBMODEL_CAPABILITIES,
    submit: jest.fn(),
    check: jest.fn(),
    listInFlight
  } as unknown as IExecutionBackend;
  return {
    backend,
    listInFlight,
    times,
    set: (value: IInFlightRequest[] | Error) => (listing = value)
  };
}

describe('ListingPoller', () => {
  let monitor: ListingPoller;

  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    monitor?.dispose();
    jest.useRealTimers();
  });

  it('polls only while a request is tracked', async () => {
    const fake = fakeBackend();
    monitor = new ListingPoller({
      backend: () => fake.backend,
      minMs: 100,
      maxMs: 400,
      standby: 'never'
    });
    await jest.advanceTimersByTimeAsync(1000);
    expect(fake.listInFlight).not.toHaveBeenCalled();

    fake.set([request('r1')]);
    const tracking = monitor.track('k1', 'r1', () => undefined);
    await jest.advanceTimersByTimeAsync(99);
    expect(fake.listInFlight).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(fake.listInFlight).toHaveBeenCalledTimes(1);
    expect(fake.listInFlight).toHaveBeenCalledWith('k1');

    tracking.dispose();
    expect(tracking.isDisposed).toBe(true);
    const calls = fake.listInFlight.mock.calls.length;
    await jest.advanceTimersByTimeAsync(5000);
    expect(fake.listInFlight.mock.calls.length).toBe(calls);
  });

  it('follows the listing of a kernel a notebook here shows until it lists nothing', async () => {
    const fake = fakeBackend();
    monitor = new ListingPoller({
      backend: () => fake.backend,
      minMs: 100,
      maxMs: 400,
      standby: 'never'
    });
    fake.set([request('r1')]);
    const following = monitor.follow('k1');
    const tracking = monitor.track('k1', 'r1', () => undefined);
    await jest.advanceTimersByTimeAsync(100);
    expect(fake.listInFlight).toHaveBeenCalledTimes(1);
    tracking.dispose();
    // Still listed: read again, backing off to maxMs.
    let calls = fake.listInFlight.mock.calls.length;
    await jest.advanceTimersByTimeAsync(800);
    expect(fake.listInFlight.mock.calls.length).toBeGreaterThan(calls);
    // Gone: one read sees it, then no more.
    fake.set([]);
    await jest.advanceTimersByTimeAsync(400);
    calls = fake.listInFlight.mock.calls.length;
    await jest.advanceTimersByTimeAsync(5000);
    expect(fake.listInFlight.mock.calls.length).toBe(calls);

    // No longer followed: a one-off read of a busy kernel polls no more.
    following.dispose();
    fake.set([request('r2')]);
    monitor.refresh('k1', true);
    await jest.advanceTimersByTimeAsync(5000);
    expect(fake.listInFlight.mock.calls.length).toBe(calls + 1);
  });

  it('reads again a listing nobody here tracks until the server stops listing it', async () => {
    // Browser B interrupts a Run All of browser A's. Its read right after
    // the interrupt still lists A's queued cells: the server drops them only
    // once the running cell's error is in, and writes nothing about them
    // into the document. B must read again, or show them queued for good.
    const fake = fakeBackend();
    monitor = new ListingPoller({
      backend: () => fake.backend,
      minMs: 100,
      maxMs: 400,
      standby: 'never'
    });
    const listings: number[] = [];
    monitor.listed.connect((_, { requests }) => listings.push(requests.length));
    monitor.follow('k1');
    fake.set([request('r2', 'queued'), request('r3', 'queued')]);
    monitor.refresh('k1', true);
    await jest.advanceTimersByTimeAsync(0);
    expect(listings).toEqual([2]);
    fake.set([]);
    await jest.advanceTimersByTimeAsync(100);
    expect(listings).toEqual([2, 0]);
    await jest.advanceTimersByTimeAsync(5000);
    expect(listings).toEqual([2, 0]);
  });

  it('stands by while the page is hidden when it follows a listing nobody waits on', async () => {
    const fake = fakeBackend();
    let hidden = false;
    monitor = new ListingPoller({
      backend: () => fake.backend,
      minMs: 10,
      maxMs: 40,
      standby: () => hidden
    });
    monitor.follow('k1');
    fake.set([request('r1')]);
    monitor.refresh('k1', true);
    await jest.advanceTimersByTimeAsync(0);
    expect(fake.listInFlight).toHaveBeenCalledTimes(1);
    hidden = true;
    await jest.advanceTimersByTimeAsync(2000);
    const calls = fake.listInFlight.mock.calls.length;
    await jest.advanceTimersByTimeAsync(2000);
    expect(fake.listInFlight.mock.calls.length).toBe(calls);
    hidden = false;
    fake.set([]);
    await jest.advanceTimersByTimeAsync(100);
    expect(fake.listInFlight.mock.calls.length).toBeGreaterThan(calls);
  });

  it('reports status changes and "gone" once the request is no longer listed', async () => {
    const fake = fakeBackend();
    monitor = new ListingPoller({
      backend: () => fake.backend,
      minMs: 10,
      maxMs: 40,
      standby: 'never'
    });
    const seen: TrackedStatus[] = [];
    fake.set([request('r1', 'queued')]);
    monitor.track('k1', 'r1', status => seen.push(status));
    await jest.advanceTimersByTimeAsync(10);
    fake.set([request('r1', 'running')]);
    await jest.advanceTimersByTimeAsync(10);
    fake.set([request('r1', 'input')]);
    await jest.advanceTimersByTimeAsync(10);
    fake.set([]);
    await jest.advanceTimersByTimeAsync(10);
    expect(seen).toEqual(['queued', 'running', 'input', 'gone']);
  });

  it('backs off while nothing changes and polls fast again after a change', async () => {
    const fake = fakeBackend();
    monitor = new ListingPoller({
      backend: () => fake.backend,
      minMs: 100,
      maxMs: 300,
      standby: 'never'
    });
    fake.set([request('r1')]);
    const start = Date.now();
    monitor.track('k1', 'r1', () => undefined);
    await jest.advanceTimersByTimeAsync(1200);
    const delays = fake.times.map((t, i) =>
      i === 0 ? t - start : t - fake.times[i - 1]
    );
    // First poll at the minimum; the first listing is a change (nothing
    // known before), then 150, 225, and capped at 300.
    expect(delays.slice(0, 5)).toEqual([100, 100, 150, 225, 300]);

    // A change brings the interval back to the minimum.
    const before = fake.times.length;
    fake.set([request('r1', 'input')]);
    await jest.advanceTimersByTimeAsync(300);
    await jest.advanceTimersByTimeAsync(100);
    const after = fake.times.slice(before);
    expect(after.length).toBeGreaterThanOrEqual(2);
    expect(after[1] - after[0]).toBe(100);
  });

  it('reads again at once on refresh', async () => {
    const fake = fakeBackend();
    monitor = new ListingPoller({
      backend: () => fake.backend,
      minMs: 100,
      maxMs: 1000,
      standby: 'never'
    });
    fake.set([request('r1')]);
    monitor.track('k1', 'r1', () => undefined);
    await jest.advanceTimersByTimeAsync(2000);
    const calls = fake.listInFlight.mock.calls.length;
    monitor.refresh('k1', true);
    await jest.advanceTimersByTimeAsync(0);
    expect(fake.listInFlight.mock.calls.length).toBe(calls + 1);
  });

  it('backs off while the server cannot be reached, and goes on once it answers', async () => {
    const fake = fakeBackend();
    monitor = new ListingPoller({
      backend: () => fake.backend,
      minMs: 10,
      maxMs: 500,
      standby: 'never'
    });
    const seen: TrackedStatus[] = [];
    // Lumino draws each backoff at random between the interval and the
    // last one grown: always the top of that range here, so the growth is
    // the same on every run (a random draw made "last > first" a coin toss).
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.9999);
    fake.set(new BackendError('unreachable', null, 'offline'));
    monitor.track('k1', 'r1', status => seen.push(status));
    await jest.advanceTimersByTimeAsync(10);
    expect(fake.listInFlight).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(5000);
    random.mockRestore();
    // Growing intervals up to maxMs: far fewer reads than one per 10 ms.
    const delays = fake.times.slice(1).map((t, i) => t - fake.times[i]);
    expect(delays.length).toBeGreaterThan(2);
    expect(delays.length).toBeLessThan(100);
    for (let i = 1; i < delays.length; i++) {
      expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]);
    }
    expect(delays[0]).toBeLessThan(100);
    expect(delays[delays.length - 1]).toBe(500);
    // An unreachable server is not a finished request.
    expect(seen).toEqual([]);

    fake.set([request('r1')]);
    await jest.advanceTimersByTimeAsync(30000);
    expect(seen[0]).toBe('running');
    expect(monitor.isStopped('k1')).toBe(false);
  });

  it.each([404, 405])(
    'stops for good when the listing route answers %i, until reset',
    async status => {
      const fake = fakeBackend();
      monitor = new ListingPoller({
        backend: () => fake.backend,
        minMs: 10,
        maxMs: 40,
        standby: 'never'
      });
      const stopped: string[] = [];
      monitor.stopped.connect((_, kernelId) => stopped.push(kernelId));
      fake.set(new BackendError('http', status, 'Not Found'));
      monitor.track('k1', 'r1', () => undefined);
      await jest.advanceTimersByTimeAsync(10);
      expect(fake.listInFlight).toHaveBeenCalledTimes(1);
      expect(stopped).toEqual(['k1']);
      expect(monitor.isStopped('k1')).toBe(true);
      await jest.advanceTimersByTimeAsync(5000);
      monitor.refresh('k1', true);
      monitor.track('k1', 'r2', () => undefined);
      await jest.advanceTimersByTimeAsync(5000);
      expect(fake.listInFlight).toHaveBeenCalledTimes(1);

      // After a reconnect the server may be another one.
      monitor.reset('k1');
      fake.set([]);
      monitor.refresh('k1', true);
      await jest.advanceTimersByTimeAsync(0);
      expect(fake.listInFlight).toHaveBeenCalledTimes(2);
    }
  );

  it('does not poll a backend without a listing', async () => {
    const fake = fakeBackend();
    const poorest = {
      ...fake.backend,
      capabilities: { ...NBMODEL_CAPABILITIES, listing: false }
    } as IExecutionBackend;
    monitor = new ListingPoller({
      backend: () => poorest,
      minMs: 10,
      maxMs: 40,
      standby: 'never'
    });
    monitor.track('k1', 'r1', () => undefined);
    monitor.refresh('k1', true);
    await jest.advanceTimersByTimeAsync(1000);
    expect(fake.listInFlight).not.toHaveBeenCalled();
  });

  it('reads once on refresh when nothing is tracked, debounced unless immediate', async () => {
    const fake = fakeBackend();
    monitor = new ListingPoller({
      backend: () => fake.backend,
      minMs: 100,
      maxMs: 400,
      debounceMs: 1000,
      standby: 'never'
    });
    const listed: string[] = [];
    monitor.listed.connect((_, { kernelId }) => listed.push(kernelId));
    monitor.refresh('k1');
    monitor.refresh('k1');
    await jest.advanceTimersByTimeAsync(999);
    expect(fake.listInFlight).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(fake.listInFlight).toHaveBeenCalledTimes(1);
    expect(listed).toEqual(['k1']);
    // A one-off read: no polling afterwards.
    await jest.advanceTimersByTimeAsync(5000);
    expect(fake.listInFlight).toHaveBeenCalledTimes(1);

    monitor.refresh('k1', true);
    await jest.advanceTimersByTimeAsync(0);
    expect(fake.listInFlight).toHaveBeenCalledTimes(2);
  });

  it('reads at once on an immediate refresh even while a debounced read waits', async () => {
    // A notebook that opens asks for a debounced read, then the backend is
    // decided and asks for one now: the status item must not wait 1 s.
    const fake = fakeBackend();
    monitor = new ListingPoller({
      backend: () => fake.backend,
      minMs: 100,
      maxMs: 400,
      debounceMs: 1000,
      standby: 'never'
    });
    monitor.refresh('k1');
    monitor.refresh('k1', true);
    monitor.refresh('k1', true);
    await jest.advanceTimersByTimeAsync(0);
    expect(fake.listInFlight).toHaveBeenCalledTimes(1);
    // One read for both immediate refreshes, and none left for later.
    await jest.advanceTimersByTimeAsync(5000);
    expect(fake.listInFlight).toHaveBeenCalledTimes(1);
    monitor.refresh('k1', true);
    await jest.advanceTimersByTimeAsync(0);
    expect(fake.listInFlight).toHaveBeenCalledTimes(2);
  });

  it('defers reads nobody waits on while the page is hidden', async () => {
    const fake = fakeBackend();
    let hidden = true;
    monitor = new ListingPoller({
      backend: () => fake.backend,
      minMs: 10,
      maxMs: 40,
      standby: () => hidden
    });
    fake.set([request('r1')]);
    monitor.refresh('k1', true);
    await jest.advanceTimersByTimeAsync(2000);
    expect(fake.listInFlight).not.toHaveBeenCalled();
    hidden = false;
    await jest.advanceTimersByTimeAsync(100);
    expect(fake.listInFlight).toHaveBeenCalledTimes(1);
  });

  it("keeps following this tab's own runs while the page is hidden", async () => {
    const fake = fakeBackend();
    const hidden = true;
    monitor = new ListingPoller({
      backend: () => fake.backend,
      minMs: 10,
      maxMs: 40,
      standby: () => hidden
    });
    const seen: TrackedStatus[] = [];
    fake.set([request('r1')]);
    const tracking = monitor.track('k1', 'r1', status => seen.push(status));
    await jest.advanceTimersByTimeAsync(100);
    fake.set([]);
    await jest.advanceTimersByTimeAsync(100);
    expect(seen).toContain('gone');
    tracking.dispose();
    const calls = fake.listInFlight.mock.calls.length;
    monitor.refresh('k1');
    await jest.advanceTimersByTimeAsync(2000);
    expect(fake.listInFlight.mock.calls.length).toBe(calls);
  });

  it('emits each listing and keeps kernels apart', async () => {
    const fake = fakeBackend();
    monitor = new ListingPoller({
      backend: () => fake.backend,
      minMs: 10,
      maxMs: 40,
      standby: 'never'
    });
    const listed: Array<{ kernelId: string; requests: IInFlightRequest[] }> =
      [];
    monitor.listed.connect((_, args) => listed.push(args));
    fake.set([request('r1')]);
    monitor.track('k1', 'r1', () => undefined);
    monitor.track('k2', 'r9', () => undefined);
    await jest.advanceTimersByTimeAsync(10);
    expect(fake.listInFlight.mock.calls.map(c => c[0]).sort()).toEqual([
      'k1',
      'k2'
    ]);
    expect(listed.map(l => l.kernelId).sort()).toEqual(['k1', 'k2']);
    expect(listed[0].requests).toEqual([request('r1')]);
  });

  it('stops everything on dispose', async () => {
    const fake = fakeBackend();
    monitor = new ListingPoller({
      backend: () => fake.backend,
      minMs: 10,
      maxMs: 40,
      standby: 'never'
    });
    monitor.track('k1', 'r1', () => undefined);
    monitor.dispose();
    monitor.dispose();
    expect(monitor.isDisposed).toBe(true);
    await jest.advanceTimersByTimeAsync(1000);
    expect(fake.listInFlight).not.toHaveBeenCalled();
  });
});
