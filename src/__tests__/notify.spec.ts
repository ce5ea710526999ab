import {
  DEFAULT_NOTIFY_SETTINGS,
  RunNotifier,
  noticeText,
  parseNotifySettings,
  permissionAction,
  type BrowserPermission,
  type INotifySettings,
  type IRunNotice,
  type IViewState,
  type RunFact
} from '../notify';

const english = {
  __: (msgid: string, ...args: unknown[]) =>
    msgid.replace(/%(\d+)/g, (_, i) => String(args[Number(i) - 1])),
  _n: (one: string, many: string, n: number, ...args: unknown[]) =>
    (n === 1 ? one : many).replace(/%(\d+)/g, (_, i) =>
      String(args[Number(i) - 1])
    )
};

const NB = 'work/a.ipynb';

/** A notifier with a view and settings the test changes. */
function setup(
  settings: Partial<INotifySettings> = {},
  view: Partial<IViewState> = {}
) {
  const state = {
    settings: { ...DEFAULT_NOTIFY_SETTINGS, ...settings },
    view: { pageVisible: false, currentKey: NB, ...view } as IViewState,
    permission: 'granted' as BrowserPermission
  };
  const notifier = new RunNotifier({
    settings: () => state.settings,
    view: () => state.view,
    permission: () => state.permission
  });
  const shown: IRunNotice[] = [];
  notifier.noticed.connect((_, notice) => shown.push(notice));
  return { state, notifier, shown };
}

function run(
  notifier: RunNotifier,
  cellId: string,
  start: number,
  end: number,
  outcome: 'ok' | 'failed' = 'ok',
  options: { live?: boolean; key?: string } = {}
): IRunNotice[] {
  const key = options.key ?? NB;
  notifier.add({ kind: 'queued', key, cellId, batchId: null, at: start });
  notifier.add({ kind: 'started', key, cellId, batchId: null, at: start });
  return notifier.add({
    kind: 'ended',
    key,
    cellId,
    at: end,
    outcome,
    live: options.live ?? true
  });
}

describe('run notices', () => {
  it('notifies a run longer than the threshold that ends while the page is hidden', () => {
    const { notifier, shown } = setup({ browser: true });
    expect(run(notifier, 'c1', 1000, 13_000)).toEqual([
      {
        kind: 'finished',
        key: NB,
        cellId: 'c1',
        cells: 1,
        batch: false,
        durationMs: 12_000,
        browser: true,
        tag: `handoff:finished:${NB}:c1`
      }
    ]);
    expect(shown).toHaveLength(1);
    // 2 s: under the threshold.
    expect(run(notifier, 'c2', 20_000, 22_000)).toEqual([]);
    expect(shown).toHaveLength(1);
  });

  it('follows the threshold setting and its off switch', () => {
    const { state, notifier } = setup({ thresholdMs: 3000 });
    expect(run(notifier, 'c1', 0, 2999)).toEqual([]);
    expect(run(notifier, 'c1', 0, 3000)).toHaveLength(1);
    state.settings = { ...state.settings, enabled: false };
    expect(run(notifier, 'c1', 0, 60_000)).toEqual([]);
  });

  it('says nothing while the user looks at the notebook, and notifies when another widget is current', () => {
    const { state, notifier } = setup({ browser: true }, { pageVisible: true });
    expect(run(notifier, 'c1', 0, 30_000)).toEqual([]);
    state.view = { pageVisible: true, currentKey: 'other.ipynb' };
    const [notice] = run(notifier, 'c1', 0, 30_000);
    expect(notice.kind).toBe('finished');
    // The page is visible: the in-app notice is enough.
    expect(notice.browser).toBe(false);
    state.view = { pageVisible: true, currentKey: null };
    expect(run(notifier, 'c1', 0, 30_000)).toHaveLength(1);
  });

  it('shows a browser notification only when the user turned them on and the browser allows it', () => {
    const { state, notifier } = setup();
    expect(run(notifier, 'c1', 0, 30_000)[0].browser).toBe(false);
    state.settings = { ...state.settings, browser: true };
    state.permission = 'denied';
    expect(run(notifier, 'c1', 0, 30_000)[0].browser).toBe(false);
    state.permission = 'granted';
    expect(run(notifier, 'c1', 0, 30_000)[0].browser).toBe(true);
  });

  it('names the failing cell', () => {
    const { notifier } = setup();
    const [notice] = run(notifier, 'c7', 0, 45_000, 'failed');
    expect(notice).toMatchObject({ kind: 'failed', cellId: 'c7' });
    expect(noticeText(notice, 'a.ipynb', 7, english)).toEqual({
      title: 'a.ipynb',
      body: 'Cell 7 failed after 0:45',
      message: 'a.ipynb: Cell 7 failed after 0:45'
    });
  });

  it('leaves runs that ended with no tab watching to "while you were away"', () => {
    const { notifier } = setup();
    expect(run(notifier, 'c1', 0, 30_000, 'ok', { live: false })).toEqual([]);
    // An end heard of a run the tab never saw start is no news either.
    expect(
      notifier.add({
        kind: 'ended',
        key: NB,
        cellId: 'zz',
        at: 99_000,
        outcome: 'ok',
        live: true
      })
    ).toEqual([]);
  });

  it('measures a run that started before the tab opened from its known start', () => {
    const { notifier } = setup();
    // The listing says it started at 0; the tab heard of it at 9 s.
    notifier.add({
      kind: 'started',
      key: NB,
      cellId: 'c1',
      batchId: null,
      at: 0
    });
    const [notice] = notifier.add({
      kind: 'ended',
      key: NB,
      cellId: 'c1',
      at: 11_000,
      outcome: 'ok',
      live: true
    });
    expect(notice.durationMs).toBe(11_000);
  });

  it('gives no notice for a cancelled run', () => {
    const { notifier } = setup();
    notifier.add({
      kind: 'queued',
      key: NB,
      cellId: 'c1',
      batchId: null,
      at: 0
    });
    expect(
      notifier.add({
        kind: 'ended',
        key: NB,
        cellId: 'c1',
        at: 60_000,
        outcome: 'cancelled',
        live: true
      })
    ).toEqual([]);
  });
});

describe('Run All', () => {
  function queueAll(notifier: RunNotifier, ids: string[], batchId = 'b1') {
    for (const cellId of ids) {
      notifier.add({ kind: 'queued', key: NB, cellId, batchId, at: 0 });
    }
  }

  function step(
    notifier: RunNotifier,
    cellId: string,
    start: number,
    end: number,
    outcome: 'ok' | 'failed' | 'cancelled' = 'ok',
    live = true
  ) {
    notifier.add({
      kind: 'started',
      key: NB,
      cellId,
      batchId: 'b1',
      at: start
    });
    return notifier.add({
      kind: 'ended',
      key: NB,
      cellId,
      at: end,
      outcome,
      live
    });
  }

  it('gives one notice at the end, not one per cell', () => {
    const { notifier, shown } = setup();
    queueAll(notifier, ['c1', 'c2', 'c3']);
    expect(step(notifier, 'c1', 1000, 6000)).toEqual([]);
    expect(step(notifier, 'c2', 6000, 11_000)).toEqual([]);
    const [notice] = step(notifier, 'c3', 11_000, 16_000);
    expect(notice).toMatchObject({
      kind: 'finished',
      cellId: 'c3',
      cells: 3,
      batch: true,
      durationMs: 15_000,
      tag: `handoff:finished:${NB}:c3`
    });
    expect(shown).toHaveLength(1);
    expect(noticeText(notice, 'a.ipynb', 3, english).body).toBe(
      'Run All: 3 cells finished after 0:15'
    );
  });

  it('counts the whole batch against the threshold, not each cell', () => {
    const { notifier } = setup();
    queueAll(notifier, ['c1', 'c2', 'c3']);
    step(notifier, 'c1', 0, 4000);
    step(notifier, 'c2', 4000, 8000);
    expect(step(notifier, 'c3', 8000, 12_000)).toHaveLength(1);
  });

  it('ends at the first failure, names that cell, and ignores the cancelled rest', () => {
    const { notifier, shown } = setup();
    queueAll(notifier, ['c1', 'c2', 'c3', 'c4']);
    step(notifier, 'c1', 0, 8000);
    const [notice] = step(notifier, 'c2', 8000, 12_000, 'failed');
    expect(notice).toMatchObject({
      kind: 'failed',
      cellId: 'c2',
      cells: 2,
      batch: true,
      durationMs: 12_000
    });
    expect(noticeText(notice, 'a.ipynb', 2, english).body).toBe(
      'Run All stopped: cell 2 failed after 0:12'
    );
    expect(step(notifier, 'c3', 12_000, 12_001, 'cancelled')).toEqual([]);
    expect(step(notifier, 'c4', 12_000, 12_001, 'cancelled')).toEqual([]);
    expect(shown).toHaveLength(1);
  });

  it('stays quiet when part of it ended while no tab was watching', () => {
    const { notifier } = setup();
    queueAll(notifier, ['c1', 'c2']);
    step(notifier, 'c1', 0, 20_000, 'ok', false);
    expect(step(notifier, 'c2', 20_000, 40_000)).toEqual([]);
  });

  it('keeps two notebooks apart', () => {
    const { notifier } = setup();
    queueAll(notifier, ['c1']);
    notifier.add({
      kind: 'queued',
      key: 'b.ipynb',
      cellId: 'c1',
      batchId: 'b1',
      at: 0
    });
    expect(step(notifier, 'c1', 0, 20_000)).toHaveLength(1);
  });
});

describe('input() prompts', () => {
  it('notifies at once, whatever the threshold, once per run', () => {
    const { notifier } = setup({ thresholdMs: 60_000, browser: true });
    notifier.add({
      kind: 'started',
      key: NB,
      cellId: 'c3',
      batchId: null,
      at: 0
    });
    const [notice] = notifier.add({
      kind: 'input',
      key: NB,
      cellId: 'c3',
      at: 500
    });
    expect(notice).toMatchObject({
      kind: 'input',
      cellId: 'c3',
      browser: true,
      durationMs: 0
    });
    expect(noticeText(notice, 'a.ipynb', 3, english).body).toBe(
      'Cell 3 is waiting for input'
    );
    expect(
      notifier.add({ kind: 'input', key: NB, cellId: 'c3', at: 900 })
    ).toEqual([]);
  });

  it('says nothing when the user looks at the notebook, or notices are off', () => {
    const { state, notifier } = setup({}, { pageVisible: true });
    const ask: RunFact = { kind: 'input', key: NB, cellId: 'c3', at: 1 };
    expect(notifier.add(ask)).toEqual([]);
    const off = setup({ enabled: false });
    expect(off.notifier.add(ask)).toEqual([]);
    expect(state.view.pageVisible).toBe(true);
  });
});

describe('notification permission', () => {
  const off = { ...DEFAULT_NOTIFY_SETTINGS, browser: false };
  const on = { ...DEFAULT_NOTIFY_SETTINGS, browser: true };

  it('is never asked when the settings load', () => {
    expect(permissionAction(null, on, 'default')).toBe('none');
  });

  it('is asked when the user turns browser notifications on', () => {
    expect(permissionAction(off, on, 'default')).toBe('request');
    expect(permissionAction(off, on, 'granted')).toBe('none');
    expect(permissionAction(off, on, 'denied')).toBe('blocked');
    expect(permissionAction(off, on, 'unsupported')).toBe('blocked');
    // Other changes do not ask.
    expect(permissionAction(on, { ...on, thresholdMs: 5 }, 'default')).toBe(
      'none'
    );
    expect(permissionAction(on, off, 'default')).toBe('none');
    // Turning notices back on with browser notifications set asks.
    expect(permissionAction({ ...on, enabled: false }, on, 'default')).toBe(
      'request'
    );
  });
});

describe('notification settings', () => {
  it('reads valid values and replaces wrong ones with a message', () => {
    expect(parseNotifySettings(null, 'p').settings).toEqual(
      DEFAULT_NOTIFY_SETTINGS
    );
    expect(
      parseNotifySettings(
        {
          notifyWhenDone: false,
          notifyAfterSeconds: 2.5,
          browserNotifications: true
        },
        'p'
      )
    ).toEqual({
      settings: { enabled: false, thresholdMs: 2500, browser: true },
      problems: []
    });
    const { settings, problems } = parseNotifySettings(
      { notifyWhenDone: 'yes', notifyAfterSeconds: -1 },
      'p'
    );
    expect(settings).toEqual(DEFAULT_NOTIFY_SETTINGS);
    expect(problems).toEqual([
      'p: "notifyWhenDone" must be a boolean, got "yes"; using the default true.',
      'p: "notifyAfterSeconds" must be a number of seconds >= 0, got -1; using the default 10.'
    ]);
  });
});
