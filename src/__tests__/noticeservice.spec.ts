import { Signal } from '@lumino/signaling';
import {
  DEFAULT_NOTIFY_SETTINGS,
  RunNoticeService,
  askPermission,
  browserPermission,
  showBrowserNotice,
  type IEntryView,
  type INotificationConstructor,
  type IRunNotice,
  type IViewState
} from '../notify';

type Entry = IEntryView & { key: string };

/** The in-flight model as the service reads it. */
class FakeModel {
  readonly changed = new Signal<this, { keys: string[] }>(this);
  items: Entry[] = [];
  entries(key?: string): Entry[] {
    return this.items.filter(e => key === undefined || e.key === key);
  }
  set(key: string, entries: Array<Omit<Entry, 'key'>>): void {
    this.items = [
      ...this.items.filter(e => e.key !== key),
      ...entries.map(e => ({ ...e, key }))
    ];
    this.changed.emit({ keys: [key] });
  }
}

function entry(
  cellId: string,
  state: IEntryView['state'],
  since: number
): Omit<Entry, 'key'> {
  return { cellId, state, since, firstSeen: since };
}

describe('RunNoticeService', () => {
  let now: number;
  let model: FakeModel;
  let view: IViewState;
  let live: boolean;
  let outcomes: Record<string, 'ok' | 'failed' | 'cancelled'>;
  let notices: IRunNotice[];
  let service: RunNoticeService;

  beforeEach(() => {
    now = 0;
    model = new FakeModel();
    view = { pageVisible: false, currentKey: 'a.ipynb' };
    live = true;
    outcomes = {};
    notices = [];
  });

  afterEach(() => service.dispose());

  function start() {
    service = new RunNoticeService({
      model,
      settings: () => DEFAULT_NOTIFY_SETTINGS,
      view: () => view,
      permission: () => 'default',
      outcome: (_, cellId) => outcomes[cellId] ?? 'ok',
      live: () => live,
      now: () => now
    });
    service.noticed.connect((_, notice) => notices.push(notice));
  }

  it('tells a long run that ends while the page is hidden, once', () => {
    start();
    model.set('a.ipynb', [entry('c1', 'running', 0)]);
    now = 12_000;
    model.set('a.ipynb', []);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({
      kind: 'finished',
      key: 'a.ipynb',
      cellId: 'c1',
      durationMs: 12_000
    });
    model.set('a.ipynb', []);
    expect(notices).toHaveLength(1);
  });

  it('makes a Run All seen from another tab one notice, naming the failing cell', () => {
    start();
    model.set('a.ipynb', [
      entry('c1', 'running', 0),
      entry('c2', 'queued', 0),
      entry('c3', 'queued', 0)
    ]);
    now = 8000;
    model.set('a.ipynb', [
      entry('c2', 'running', 8000),
      entry('c3', 'queued', 0)
    ]);
    now = 15_000;
    outcomes.c2 = 'failed';
    outcomes.c3 = 'cancelled';
    model.set('a.ipynb', []);
    expect(notices).toEqual([
      expect.objectContaining({
        kind: 'failed',
        cellId: 'c2',
        cells: 2,
        batch: true
      })
    ]);
  });

  it('takes in what is already in flight when it starts', () => {
    model.set('a.ipynb', [entry('c1', 'running', 0)]);
    start();
    now = 30_000;
    model.set('a.ipynb', []);
    expect(notices).toHaveLength(1);
  });

  it('leaves ends found while catching up to "while you were away"', () => {
    start();
    model.set('a.ipynb', [entry('c1', 'running', 0)]);
    now = 30_000;
    live = false;
    model.set('a.ipynb', []);
    expect(notices).toEqual([]);
  });

  it('notifies an input() prompt at once when the notebook is not current', () => {
    view = { pageVisible: true, currentKey: 'other.ipynb' };
    start();
    model.set('a.ipynb', [entry('c1', 'running', 0)]);
    now = 500;
    model.set('a.ipynb', [entry('c1', 'input', 500)]);
    expect(notices).toEqual([
      expect.objectContaining({ kind: 'input', cellId: 'c1', browser: false })
    ]);
  });
});

describe('browser notifications', () => {
  function recording(permission: string) {
    const shown: Array<{ title: string; options: any; instance: any }> = [];
    const Ctor = class {
      static permission = permission;
      static asked = 0;
      static async requestPermission() {
        Ctor.asked++;
        Ctor.permission = 'granted';
        return 'granted';
      }
      onclick: ((event: Event) => void) | null = null;
      closed = false;
      constructor(title: string, options: any) {
        shown.push({ title, options, instance: this });
      }
      close() {
        this.closed = true;
      }
    };
    return { Ctor, shown };
  }

  it('reads and asks for the permission', async () => {
    expect(browserPermission(undefined)).toBe('unsupported');
    const { Ctor } = recording('default');
    const ctor = Ctor as unknown as INotificationConstructor;
    expect(browserPermission(ctor)).toBe('default');
    expect(await askPermission(ctor)).toBe('granted');
    expect(Ctor.asked).toBe(1);
    expect(await askPermission(null)).toBe('unsupported');
  });

  it('shows a notice only when allowed, and a click focuses and goes to the cell', () => {
    const text = {
      title: 'a.ipynb',
      body: 'Cell 1 finished after 0:12',
      message: ''
    };
    const denied = recording('denied');
    expect(
      showBrowserNotice(
        denied.Ctor as unknown as INotificationConstructor,
        text,
        't',
        () => undefined,
        () => undefined
      )
    ).toBe(false);
    expect(denied.shown).toEqual([]);

    const { Ctor, shown } = recording('granted');
    const calls: string[] = [];
    expect(
      showBrowserNotice(
        Ctor as unknown as INotificationConstructor,
        text,
        'handoff:finished:a.ipynb:c1',
        () => calls.push('focus'),
        () => calls.push('go')
      )
    ).toBe(true);
    expect(shown[0].title).toBe('a.ipynb');
    expect(shown[0].options).toEqual({
      body: 'Cell 1 finished after 0:12',
      tag: 'handoff:finished:a.ipynb:c1'
    });
    shown[0].instance.onclick(new Event('click'));
    expect(calls).toEqual(['focus', 'go']);
    expect(shown[0].instance.closed).toBe(true);
  });
});
