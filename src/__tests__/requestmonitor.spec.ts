import type { IExecutionBackend, IInFlightRequest } from '../backend/types';
import { RequestMonitor, type TrackedStatus } from '../requestmonitor';

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
    name: 'fake',
    isAvailable: jest.fn(),
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

describe('RequestMonitor', () => {
  let monitor: RequestMonitor;

  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    monitor?.dispose();
    jest.useRealTimers();
  });

  it('polls only while a request is tracked', async () => {
    const fake = fakeBackend();
    monitor = new RequestMonitor({
      backend: fake.backend,
      minIntervalMs: 100,
      maxIntervalMs: 400
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

  it('reports status changes and "gone" once the request is no longer listed', async () => {
    const fake = fakeBackend();
    monitor = new RequestMonitor({
      backend: fake.backend,
      minIntervalMs: 10,
      maxIntervalMs: 40
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
    monitor = new RequestMonitor({
      backend: fake.backend,
      minIntervalMs: 100,
      maxIntervalMs: 300
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

  it('polls again soon when poked', async () => {
    const fake = fakeBackend();
    monitor = new RequestMonitor({
      backend: fake.backend,
      minIntervalMs: 100,
      maxIntervalMs: 1000
    });
    fake.set([request('r1')]);
    monitor.track('k1', 'r1', () => undefined);
    await jest.advanceTimersByTimeAsync(2000);
    const calls = fake.listInFlight.mock.calls.length;
    monitor.poke('k1');
    await jest.advanceTimersByTimeAsync(100);
    expect(fake.listInFlight.mock.calls.length).toBe(calls + 1);
  });

  it('keeps polling slowly while the server cannot be reached', async () => {
    const fake = fakeBackend();
    monitor = new RequestMonitor({
      backend: fake.backend,
      minIntervalMs: 10,
      maxIntervalMs: 500
    });
    const seen: TrackedStatus[] = [];
    fake.set(new Error('offline'));
    monitor.track('k1', 'r1', status => seen.push(status));
    await jest.advanceTimersByTimeAsync(10);
    expect(fake.listInFlight).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(499);
    expect(fake.listInFlight).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(fake.listInFlight).toHaveBeenCalledTimes(2);
    // An unreachable server is not a finished request.
    expect(seen).toEqual([]);

    fake.set([request('r1')]);
    await jest.advanceTimersByTimeAsync(500);
    expect(seen).toEqual(['running']);
  });

  it('emits each listing and keeps kernels apart', async () => {
    const fake = fakeBackend();
    monitor = new RequestMonitor({
      backend: fake.backend,
      minIntervalMs: 10,
      maxIntervalMs: 40
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
    monitor = new RequestMonitor({
      backend: fake.backend,
      minIntervalMs: 10,
      maxIntervalMs: 40
    });
    monitor.track('k1', 'r1', () => undefined);
    monitor.dispose();
    monitor.dispose();
    expect(monitor.isDisposed).toBe(true);
    await jest.advanceTimersByTimeAsync(1000);
    expect(fake.listInFlight).not.toHaveBeenCalled();
  });
});
