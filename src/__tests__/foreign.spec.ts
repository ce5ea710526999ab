import {
  EMPTY_ACTIVITY,
  applyForeign,
  busySince,
  countOwn,
  deriveForeign,
  foreignRowText,
  foreignSummaryText,
  iopubFact,
  reduceActivities,
  reduceActivity,
  sameForeign,
  type IDocumentCell,
  type IForeignInputs,
  type IKernelActivity,
  type IServerCell,
  type KernelFact
} from '../foreign';

const SERVER = 'nbmodel-session';
const OWN = 'tab-session';
const OTHER = 'jpterm-session';

const english = {
  __: (msgid: string, ...args: unknown[]) =>
    msgid.replace(/%(\d+)/g, (_, i) => String(args[Number(i) - 1])),
  _n: (one: string, many: string, n: number, ...args: unknown[]) =>
    (n === 1 ? one : many).replace(/%(\d+)/g, (_, i) =>
      String(args[Number(i) - 1])
    )
};

/** The iopub messages of one execution, as a kernel sends them. */
function iopub(
  type: 'status' | 'execute_input',
  parent: { msg_id: string; session: string; msg_type?: string },
  content: Record<string, unknown>
) {
  return {
    header: { msg_type: type },
    parent_header: { msg_type: 'execute_request', ...parent },
    content
  };
}

function busy(msgId: string, session: string, at: number): KernelFact {
  return iopubFact(
    iopub('status', { msg_id: msgId, session }, { execution_state: 'busy' }),
    at
  )!;
}

function idle(msgId: string, session: string, at: number): KernelFact {
  return iopubFact(
    iopub('status', { msg_id: msgId, session }, { execution_state: 'idle' }),
    at
  )!;
}

function input(
  msgId: string,
  session: string,
  code: string,
  at: number
): KernelFact {
  return iopubFact(
    iopub(
      'execute_input',
      { msg_id: msgId, session },
      { code, execution_count: 1 }
    ),
    at
  )!;
}

/** A kernel connection up since t=0 that then saw these facts. */
function watched(...facts: KernelFact[]): IKernelActivity {
  return reduceActivities(EMPTY_ACTIVITY, [
    { kind: 'connection', connected: true, at: 0 },
    ...facts
  ]);
}

function inputs(
  activity: IKernelActivity,
  options: Partial<IForeignInputs> = {}
): IForeignInputs {
  return {
    kernelId: 'k1',
    activity,
    now: 10_000,
    serverSessions: new Set(),
    ownSessions: new Set([OWN]),
    serverCells: [],
    documentCells: [],
    graceMs: 1000,
    ...options
  };
}

const ourCell: IServerCell = {
  key: 'a.ipynb',
  cellId: 'mine',
  state: 'running',
  code: 'x = 1'
};

describe('kernel activity', () => {
  it('reads status and execute_input messages, and ignores the rest', () => {
    expect(busy('m1', OTHER, 5)).toEqual({
      kind: 'status',
      state: 'busy',
      parentMsgId: 'm1',
      parentSession: OTHER,
      parentMsgType: 'execute_request',
      at: 5
    });
    expect(input('m1', OTHER, 'sleep(10)', 6)).toEqual({
      kind: 'execute-input',
      parentMsgId: 'm1',
      parentSession: OTHER,
      code: 'sleep(10)',
      at: 6
    });
    expect(
      iopubFact(
        iopub('stream' as 'status', { msg_id: 'm1', session: OTHER }, {}),
        1
      )
    ).toBeNull();
    expect(
      iopubFact(
        { header: { msg_type: 'status' }, parent_header: {}, content: {} },
        1
      )
    ).toBeNull();
  });

  it('follows each request from busy to idle, overlapping ones included', () => {
    let activity = watched(
      busy('exec', OTHER, 10),
      input('exec', OTHER, 'sleep(10)', 11),
      // A control request (kernel_info from a second client) mid-run.
      busy('info', OTHER, 20),
      idle('info', OTHER, 21)
    );
    expect(activity.current?.msgId).toBe('exec');
    expect(activity.busy.map(r => r.msgId)).toEqual(['exec']);
    expect(busySince(activity)).toBe(10);
    activity = reduceActivity(activity, idle('exec', OTHER, 30));
    expect(activity.current).toBeNull();
    expect(activity.busy).toEqual([]);
    expect(busySince(activity)).toBeNull();
  });

  it('keeps a REST busy until an idle tells the run it came from is over', () => {
    let activity = reduceActivities(EMPTY_ACTIVITY, [
      { kind: 'connection', connected: true, at: 0 },
      { kind: 'rest', state: 'busy', at: 5 }
    ]);
    expect(busySince(activity)).toBe(5);
    // A run we see start and end does not end the one we missed.
    activity = reduceActivities(activity, [
      busy('info', OTHER, 6),
      idle('info', OTHER, 7)
    ]);
    expect(activity.restBusySince).toBe(5);
    // The idle of a request we never saw start does.
    activity = reduceActivity(activity, idle('missed', OTHER, 9));
    expect(activity.restBusySince).toBeNull();
    expect(busySince(activity)).toBeNull();
  });

  it('forgets everything on a lost connection, a restart or a dead kernel', () => {
    const running = watched(busy('m', OTHER, 1), input('m', OTHER, 'x', 2));
    expect(
      reduceActivity(running, { kind: 'connection', connected: false, at: 3 })
    ).toBe(EMPTY_ACTIVITY);
    const restarted = reduceActivity(running, {
      kind: 'status',
      state: 'restarting',
      parentMsgId: null,
      parentSession: null,
      parentMsgType: null,
      at: 4
    });
    expect(restarted.current).toBeNull();
    expect(restarted.busy).toEqual([]);
    expect(restarted.watchingSince).toBe(4);
    expect(
      reduceActivity(running, { kind: 'rest', state: 'dead', at: 5 }).current
    ).toBeNull();
  });

  it('returns the same object when a fact changes nothing', () => {
    const activity = watched(busy('m', OTHER, 1));
    expect(reduceActivity(activity, busy('m', OTHER, 2))).toBe(activity);
    expect(
      reduceActivity(activity, { kind: 'rest', state: 'busy', at: 3 })
    ).toBe(activity);
  });
});

describe('foreign runs', () => {
  it('sees a run from another client with no cell marked (a script, jpterm)', () => {
    const activity = watched(
      busy('j', OTHER, 1000),
      input('j', OTHER, 'import time\ntime.sleep(10)', 1001)
    );
    const state = deriveForeign(inputs(activity));
    expect(state.run).toEqual({
      kernelId: 'k1',
      since: 1001,
      cell: null,
      code: 'import time\ntime.sleep(10)',
      source: 'execute-input'
    });
    expect(state.waiting).toEqual([]);
    expect(foreignRowText(state.run!, () => null, english)).toBe(
      'Another client: import time'
    );
  });

  it('names the cell when the code is in exactly one open cell', () => {
    const activity = watched(input('j', OTHER, 'time.sleep(10)', 1001));
    const withCode = (code: string) =>
      code === 'time.sleep(10)' ? [{ key: 'a.ipynb', cellId: 'c3' }] : [];
    const state = deriveForeign(inputs(activity, { cellsWithCode: withCode }));
    expect(state.run?.cell).toEqual({ key: 'a.ipynb', cellId: 'c3' });
    expect(
      foreignRowText(
        state.run!,
        () => ({ index: 2, firstLine: 'time.sleep(10)' }),
        english
      )
    ).toBe('Another client: cell 3 · time.sleep(10)');
    // Two cells with that code: which one is unknown.
    const twice = (code: string) => [
      { key: 'a.ipynb', cellId: 'c3' },
      { key: 'a.ipynb', cellId: 'c4' }
    ];
    expect(
      deriveForeign(inputs(activity, { cellsWithCode: twice })).run?.cell
    ).toBeNull();
  });

  it('takes the cell another frontend marked running in the document', () => {
    const marked: IDocumentCell = {
      key: 'a.ipynb',
      cellId: 'c2',
      since: 900,
      code: 'time.sleep(10)'
    };
    const activity = watched(input('j', OTHER, 'time.sleep(10)', 1001));
    const state = deriveForeign(inputs(activity, { documentCells: [marked] }));
    expect(state.run?.cell).toEqual({ key: 'a.ipynb', cellId: 'c2' });
  });

  it('keeps our cell queued behind it until the kernel starts it', () => {
    // The server marked our cell running when it handed it to the kernel.
    let activity = watched(
      busy('j', OTHER, 1000),
      input('j', OTHER, 'time.sleep(10)', 1001)
    );
    const withOurs = (a: IKernelActivity) =>
      deriveForeign(inputs(a, { serverCells: [ourCell] }));
    let state = withOurs(activity);
    expect(state.run?.source).toBe('execute-input');
    expect(state.waiting).toEqual([{ key: 'a.ipynb', cellId: 'mine' }]);
    // The foreign run ends; ours has not started yet: nothing is foreign.
    activity = reduceActivity(activity, idle('j', OTHER, 5000));
    state = withOurs(activity);
    expect(state.run).toBeNull();
    expect(state.waiting).toEqual([]);
    // The kernel starts ours: recognised by its code, its session learned.
    activity = reduceActivities(activity, [
      busy('n', SERVER, 5001),
      input('n', SERVER, 'x = 1', 5002)
    ]);
    state = withOurs(activity);
    expect(state.run).toBeNull();
    expect(state.learnedSession).toBe(SERVER);
    // Once learned, the session alone says it is the server's.
    const known = deriveForeign(
      inputs(activity, {
        serverCells: [],
        serverSessions: new Set([SERVER])
      })
    );
    expect(known.run).toBeNull();
    expect(known.learnedSession).toBeNull();
  });

  it('never counts our own run twice', () => {
    // Run through the server: its code is the running server cell's.
    const server = watched(
      busy('n', SERVER, 1),
      input('n', SERVER, 'x = 1', 2)
    );
    expect(
      deriveForeign(inputs(server, { serverCells: [ourCell], now: 60_000 })).run
    ).toBeNull();
    // Run in this tab (setting off): our own kernel session.
    const tab = watched(busy('t', OWN, 1), input('t', OWN, 'y = 2', 2));
    expect(deriveForeign(inputs(tab, { now: 60_000 })).run).toBeNull();
    // Busy for a request of ours before its execute_input arrives.
    const starting = watched(busy('t', OWN, 1));
    expect(deriveForeign(inputs(starting, { now: 60_000 })).run).toBeNull();
    // A server session seen busy, long before its code is echoed.
    const serverBusy = watched(busy('n', SERVER, 1));
    expect(
      deriveForeign(
        inputs(serverBusy, {
          now: 60_000,
          serverSessions: new Set([SERVER])
        })
      ).run
    ).toBeNull();
  });

  it('does not learn a session when another client could have sent the same code', () => {
    const activity = watched(input('j', OTHER, 'x = 1', 1001));
    const state = deriveForeign(
      inputs(activity, {
        serverCells: [ourCell],
        documentCells: [
          { key: 'a.ipynb', cellId: 'c9', since: 1000, code: 'x = 1' }
        ]
      })
    );
    expect(state.run).toBeNull();
    expect(state.learnedSession).toBeNull();
  });

  it('after a reload, takes a busy REST model with nothing on the server for a foreign run', () => {
    const activity = reduceActivities(EMPTY_ACTIVITY, [
      { kind: 'connection', connected: true, at: 8000 },
      { kind: 'rest', state: 'busy', at: 8100 }
    ]);
    // Not before the grace: the server's listing may still be on its way.
    expect(deriveForeign(inputs(activity, { now: 8500 })).run).toBeNull();
    const state = deriveForeign(inputs(activity, { now: 9100 }));
    expect(state.run).toEqual({
      kernelId: 'k1',
      since: 8100,
      cell: null,
      code: null,
      source: 'rest'
    });
    // The server runs a cell: the busy kernel is explained, nothing foreign.
    expect(
      deriveForeign(inputs(activity, { now: 9100, serverCells: [ourCell] })).run
    ).toBeNull();
    // With a cell another frontend marked running, that cell is named.
    const marked: IDocumentCell = {
      key: 'a.ipynb',
      cellId: 'c2',
      since: 8050,
      code: 'sleep(60)'
    };
    const named = deriveForeign(
      inputs(activity, { now: 9100, documentCells: [marked] })
    );
    expect(named.run?.cell).toEqual({ key: 'a.ipynb', cellId: 'c2' });
    expect(named.run?.since).toBe(8050);
  });

  it('takes a short busy spell of another client for no run (a completion request)', () => {
    const activity = watched(busy('c', OTHER, 9500));
    expect(deriveForeign(inputs(activity)).run).toBeNull();
    const complete = watched({
      kind: 'status',
      state: 'busy',
      parentMsgId: 'c',
      parentSession: OTHER,
      parentMsgType: 'complete_request',
      at: 1
    });
    expect(deriveForeign(inputs(complete)).run).toBeNull();
    // An execute request busy for longer than the grace is a run.
    expect(
      deriveForeign(inputs(watched(busy('e', OTHER, 1)))).run?.source
    ).toBe('kernel-status');
  });

  it('with no word from the kernel, goes by the document', () => {
    const marked: IDocumentCell = {
      key: 'a.ipynb',
      cellId: 'c2',
      since: 700,
      code: 'sleep(60)'
    };
    const state = deriveForeign(
      inputs(EMPTY_ACTIVITY, { documentCells: [marked] })
    );
    expect(state.run?.source).toBe('document');
    expect(state.run?.cell).toEqual({ key: 'a.ipynb', cellId: 'c2' });
    // A connected tab that hears an idle kernel leaves it to stale detection.
    expect(
      deriveForeign(inputs(watched(), { documentCells: [marked] })).run
    ).toBeNull();
  });

  it('compares derivations', () => {
    const activity = watched(input('j', OTHER, 'sleep(10)', 1001));
    const a = deriveForeign(inputs(activity, { serverCells: [ourCell] }));
    const b = deriveForeign(inputs(activity, { serverCells: [ourCell] }));
    expect(sameForeign(a, b)).toBe(true);
    expect(sameForeign(a, deriveForeign(inputs(activity)))).toBe(false);
    expect(sameForeign(a, deriveForeign(inputs(watched())))).toBe(false);
  });
});

describe('the indicator with foreign runs', () => {
  const entries = [
    {
      key: 'a.ipynb',
      cellId: 'mine',
      state: 'running' as const,
      since: 2000
    },
    { key: 'a.ipynb', cellId: 'next', state: 'queued' as const, since: 2000 },
    { key: 'a.ipynb', cellId: 'c2', state: 'stale' as const, since: 500 }
  ];

  it('shows our cell queued, flags the foreign cell and counts only ours', () => {
    const activity = watched(input('j', OTHER, 'sleep(10)', 1001));
    const state = deriveForeign(
      inputs(activity, {
        serverCells: [ourCell],
        documentCells: [
          { key: 'a.ipynb', cellId: 'c2', since: 500, code: 'sleep(10)' }
        ]
      })
    );
    const shown = applyForeign(entries, [state]);
    expect(shown.map(e => [e.cellId, e.state, e.foreign])).toEqual([
      ['mine', 'queued', false],
      ['next', 'queued', false],
      ['c2', 'running', true]
    ]);
    expect(countOwn(shown)).toEqual({
      queued: 2,
      running: 0,
      input: 0,
      stale: 0
    });
    expect(
      foreignSummaryText([state.run!], '2 queued on server', english)
    ).toBe('Busy with a run from another client · 2 queued on server');
    expect(foreignSummaryText([state.run!], null, english)).toBe(
      'Busy with a run from another client'
    );
    expect(foreignSummaryText([], 'Server idle', english)).toBeNull();
  });

  it('shows running a foreign cell the model could only take for queued', () => {
    // A stock JupyterLab tab (or foreign_client.py) marks its cell running
    // without a server mark: the model shows it queued.
    const activity = watched(input('j', OTHER, 'sleep(10)', 1001));
    const state = deriveForeign(
      inputs(activity, {
        documentCells: [
          { key: 'a.ipynb', cellId: 'c2', since: 1000, code: 'sleep(10)' }
        ]
      })
    );
    const shown = applyForeign(
      [{ key: 'a.ipynb', cellId: 'c2', state: 'queued' as const, since: 1000 }],
      [state]
    );
    expect(shown.map(e => [e.cellId, e.state, e.foreign])).toEqual([
      ['c2', 'running', true]
    ]);
    expect(countOwn(shown)).toEqual({
      queued: 0,
      running: 0,
      input: 0,
      stale: 0
    });
  });

  it('adds the foreign cell when the model does not list it', () => {
    const activity = watched(input('j', OTHER, 'sleep(10)', 1001));
    const state = deriveForeign(
      inputs(activity, {
        cellsWithCode: () => [{ key: 'a.ipynb', cellId: 'c5' }]
      })
    );
    const shown = applyForeign([], [state], (run, cell) => ({
      ...cell,
      state: 'running' as const,
      since: run.since
    }));
    expect(shown).toEqual([
      {
        key: 'a.ipynb',
        cellId: 'c5',
        state: 'running',
        since: 1001,
        foreign: true
      }
    ]);
  });

  it('changes nothing when the kernel runs our own cell', () => {
    const activity = watched(input('n', SERVER, 'x = 1', 1001));
    const state = deriveForeign(inputs(activity, { serverCells: [ourCell] }));
    const shown = applyForeign(entries, [state]);
    expect(shown.map(e => e.state)).toEqual(['running', 'queued', 'stale']);
    expect(shown.every(e => !e.foreign)).toBe(true);
  });
});
