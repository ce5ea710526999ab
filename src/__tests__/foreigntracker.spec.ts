import { ForeignTracker, iopubFact, type KernelFact } from '../foreign';

const OTHER = 'other-session';
const SERVER = 'server-session';
const OWN = 'tab-session';

function message(
  type: 'status' | 'execute_input',
  msgId: string,
  session: string,
  content: Record<string, unknown>
) {
  return {
    header: { msg_type: type },
    parent_header: { msg_id: msgId, session, msg_type: 'execute_request' },
    content
  };
}

function busy(msgId: string, session: string, at: number): KernelFact {
  return iopubFact(
    message('status', msgId, session, { execution_state: 'busy' }),
    at
  )!;
}

function idle(msgId: string, session: string, at: number): KernelFact {
  return iopubFact(
    message('status', msgId, session, { execution_state: 'idle' }),
    at
  )!;
}

function input(
  msgId: string,
  session: string,
  code: string,
  at: number
): KernelFact {
  return iopubFact(message('execute_input', msgId, session, { code }), at)!;
}

describe('ForeignTracker', () => {
  let now = 0;
  let tracker: ForeignTracker;
  let changes: string[];

  beforeEach(() => {
    now = 0;
    tracker = new ForeignTracker({ now: () => now, graceMs: 1000 });
    changes = [];
    tracker.changed.connect((_, kernelId) => changes.push(kernelId));
    tracker.kernelFact('k1', { kind: 'connection', connected: true, at: 0 });
    tracker.setOwnSession('k1', OWN);
  });

  it('follows a foreign run, our cell behind it, and learns the server session', () => {
    const ours = {
      key: 'a.ipynb',
      cellId: 'mine',
      state: 'running' as const,
      code: 'x = 1'
    };
    tracker.update('k1', { serverCells: [ours], documentCells: [] });
    expect(changes).toEqual([]);
    tracker.kernelFact('k1', busy('j', OTHER, 10));
    tracker.kernelFact('k1', input('j', OTHER, 'sleep(10)', 11));
    expect(changes).toEqual(['k1']);
    expect(tracker.runs()).toHaveLength(1);
    expect(tracker.state('k1').waiting).toEqual([
      { key: 'a.ipynb', cellId: 'mine' }
    ]);
    tracker.kernelFact('k1', idle('j', OTHER, 10_000));
    tracker.kernelFact('k1', busy('n', SERVER, 10_001));
    tracker.kernelFact('k1', input('n', SERVER, 'x = 1', 10_002));
    expect(tracker.runs()).toEqual([]);
    expect(changes).toEqual(['k1', 'k1']);
    // Learned: the server's next run is known by its session alone, even
    // before the model lists its cell.
    tracker.kernelFact('k1', idle('n', SERVER, 10_003));
    tracker.update('k1', { serverCells: [], documentCells: [] });
    tracker.kernelFact('k1', busy('n2', SERVER, 10_004));
    tracker.kernelFact('k1', input('n2', SERVER, 'y = 2', 10_005));
    now = 60_000;
    tracker.update('k1', { serverCells: [], documentCells: [] });
    expect(tracker.runs()).toEqual([]);
  });

  it('does not take our own runs in the tab for foreign ones', () => {
    tracker.kernelFact('k1', busy('t', OWN, 10));
    tracker.kernelFact('k1', input('t', OWN, 'z = 3', 11));
    now = 60_000;
    tracker.update('k1', { serverCells: [], documentCells: [] });
    expect(tracker.runs()).toEqual([]);
    expect(changes).toEqual([]);
  });

  it('says when to look again at a busy kernel it cannot explain yet', () => {
    now = 5000;
    tracker.kernelFact('k1', { kind: 'connection', connected: true, at: 5000 });
    tracker.kernelFact('k1', { kind: 'rest', state: 'busy', at: 5000 });
    expect(tracker.runs()).toEqual([]);
    now = 5400;
    expect(tracker.recheckIn('k1')).toBe(600);
    now = 6000;
    tracker.update('k1', { serverCells: [], documentCells: [] });
    expect(tracker.runs().map(run => run.source)).toEqual(['rest']);
    expect(tracker.recheckIn('k1')).toBeNull();
    expect(tracker.recheckIn('unknown')).toBeNull();
  });

  it('forgets a kernel', () => {
    tracker.kernelFact('k1', input('j', OTHER, 'sleep(10)', 11));
    expect(tracker.runs()).toHaveLength(1);
    changes.length = 0;
    tracker.forget('k1');
    expect(tracker.runs()).toEqual([]);
    expect(changes).toEqual(['k1']);
    expect(tracker.activity('k1').current).toBeNull();
  });
});
