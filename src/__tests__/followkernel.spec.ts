import { Signal } from '@lumino/signaling';
import { ForeignTracker, followKernel } from '../foreign';

/** The signals of a kernel connection, driven by the test. */
class FakeKernel {
  readonly id = 'k1';
  readonly clientId = 'tab-session';
  connectionStatus = 'connected';
  readonly iopubMessage = new Signal<this, any>(this);
  readonly connectionStatusChanged = new Signal<this, string>(this);
  readonly statusChanged = new Signal<this, string>(this);

  iopub(type: string, msgId: string, session: string, content: object) {
    this.iopubMessage.emit({
      header: { msg_type: type },
      parent_header: { msg_id: msgId, session, msg_type: 'execute_request' },
      content
    });
  }
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>(r => (resolve = r));
  return { promise, resolve };
}

describe('followKernel', () => {
  let now: number;
  let tracker: ForeignTracker;
  let kernel: FakeKernel;

  beforeEach(() => {
    now = 1000;
    tracker = new ForeignTracker({ now: () => now, graceMs: 1000 });
    kernel = new FakeKernel();
  });

  it('feeds iopub messages and knows the tab session for its own', async () => {
    const follow = followKernel(kernel, tracker, {
      readState: async () => 'idle',
      now: () => now
    });
    kernel.iopub('status', 'j', 'other', { execution_state: 'busy' });
    kernel.iopub('execute_input', 'j', 'other', { code: 'sleep(10)' });
    expect(tracker.runs()).toHaveLength(1);
    kernel.iopub('status', 'j', 'other', { execution_state: 'idle' });
    kernel.iopub('status', 't', 'tab-session', { execution_state: 'busy' });
    kernel.iopub('execute_input', 't', 'tab-session', { code: 'y' });
    expect(tracker.runs()).toEqual([]);
    follow.dispose();
    expect(follow.isDisposed).toBe(true);
    kernel.iopub('execute_input', 'j2', 'other', { code: 'z' });
    expect(tracker.activity('k1').current?.msgId).toBe('t');
  });

  it('reads the REST model on connecting, unless the websocket spoke since', async () => {
    const first = deferred<string>();
    followKernel(kernel, tracker, {
      readState: () => first.promise,
      now: () => now
    });
    first.resolve('busy');
    await first.promise;
    await Promise.resolve();
    expect(tracker.activity('k1').restBusySince).toBe(1000);

    // Reconnect: the REST answer arrives after the websocket said idle.
    const second = deferred<string>();
    const kernel2 = new FakeKernel();
    const tracker2 = new ForeignTracker({ now: () => now });
    followKernel(kernel2, tracker2, {
      readState: () => second.promise,
      now: () => now
    });
    now = 1500;
    kernel2.iopub('status', 'old', 'other', { execution_state: 'idle' });
    second.resolve('busy');
    await second.promise;
    await Promise.resolve();
    expect(tracker2.activity('k1').restBusySince).toBeNull();
  });

  it('forgets what it heard when the connection drops, and asks again when it is back', async () => {
    let reads = 0;
    followKernel(kernel, tracker, {
      readState: async () => {
        reads++;
        return 'idle';
      },
      now: () => now
    });
    kernel.iopub('execute_input', 'j', 'other', { code: 'sleep(10)' });
    expect(tracker.runs()).toHaveLength(1);
    kernel.connectionStatusChanged.emit('connecting');
    expect(tracker.runs()).toEqual([]);
    expect(tracker.activity('k1').watchingSince).toBeNull();
    kernel.connectionStatusChanged.emit('connected');
    expect(tracker.activity('k1').watchingSince).toBe(1000);
    expect(reads).toBe(2);
  });

  it('resets on a restart or a dead kernel', () => {
    followKernel(kernel, tracker, {
      readState: () => Promise.reject(new Error('offline')),
      now: () => now
    });
    kernel.iopub('execute_input', 'j', 'other', { code: 'sleep(10)' });
    kernel.statusChanged.emit('restarting');
    expect(tracker.runs()).toEqual([]);
    kernel.iopub('execute_input', 'j', 'other', { code: 'sleep(10)' });
    kernel.statusChanged.emit('dead');
    expect(tracker.runs()).toEqual([]);
  });
});
