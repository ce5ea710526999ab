/**
 * The indicator's plain parts: the listing reader that feeds the in-flight
 * model, the unseen marks, and the words shown to the user.
 */
import { BackendError, type IInFlightRequest } from '../backend/types';
import {
  InFlightModel,
  ListingReader,
  UnseenCells,
  formatElapsed,
  hasInFlight,
  stateDescription,
  stateLabel,
  summaryText,
  summaryTooltip,
  type IInFlightCounts
} from '../inflight';
import {
  deferred,
  markRunning,
  notebookWithCells,
  quietYjsWarnings
} from './fakes';

quietYjsWarnings();

const KERNEL = 'kernel-1';

/** JupyterLab's `%1` substitution, in English. */
const trans = {
  __: (msgid: string, ...args: unknown[]) =>
    msgid.replace(/%(\d+)/g, (_, i) => String(args[Number(i) - 1])),
  _n: (one: string, many: string, n: number, ...args: unknown[]) =>
    (n === 1 ? one : many).replace(/%(\d+)/g, (_, i) =>
      String(args[Number(i) - 1])
    )
};

function counts(partial: Partial<IInFlightCounts>): IInFlightCounts {
  return { queued: 0, running: 0, input: 0, stale: 0, ...partial };
}

describe('ListingReader', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function setup(
    listInFlight: (kernelId: string) => Promise<IInFlightRequest[]>
  ) {
    const model = new InFlightModel();
    const backend = { listInFlight: jest.fn(listInFlight) };
    const reader = new ListingReader({
      model,
      backend,
      debounceMs: 1000,
      retryMs: 5000
    });
    return { model, backend, reader };
  }

  it('reads at once when asked to, and applies the listing to the model', async () => {
    const listing: IInFlightRequest[] = [
      {
        requestId: 'r1',
        kernelId: KERNEL,
        cellId: 'a',
        documentPath: 'nb.ipynb',
        status: 'queued'
      }
    ];
    const { model, backend, reader } = setup(async () => listing);
    const nb = notebookWithCells(['a', 'b']);
    model.addNotebook('nb.ipynb', nb, KERNEL);
    model.setKernelStatus(KERNEL, 'busy');
    reader.request(KERNEL, true);
    expect(backend.listInFlight).toHaveBeenCalledTimes(1);
    await jest.runOnlyPendingTimersAsync();
    expect(model.entry('nb.ipynb', 'a')?.state).toBe('queued');
    expect(model.entry('nb.ipynb', 'a')?.source).toBe('listing');
  });

  it('debounces requests and never reads the same kernel twice at once', async () => {
    const pending = deferred<IInFlightRequest[]>();
    const { backend, reader } = setup(() => pending.promise);
    reader.request(KERNEL);
    reader.request(KERNEL);
    reader.request(KERNEL);
    expect(backend.listInFlight).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1000);
    expect(backend.listInFlight).toHaveBeenCalledTimes(1);
    // Asked again while the first read is under way: one more read after.
    reader.request(KERNEL, true);
    reader.request(KERNEL);
    expect(backend.listInFlight).toHaveBeenCalledTimes(1);
    pending.resolve([]);
    await jest.advanceTimersByTimeAsync(1000);
    expect(backend.listInFlight).toHaveBeenCalledTimes(2);
  });

  it('reads when the model needs a listing to settle a cell', async () => {
    const { model, backend } = setup(async () => []);
    const nb = notebookWithCells(['a']);
    model.addNotebook('nb.ipynb', nb, KERNEL);
    markRunning(nb, 'a');
    await jest.advanceTimersByTimeAsync(1000);
    expect(backend.listInFlight).toHaveBeenCalledWith(KERNEL);
  });

  it('stops asking a server without the listing endpoint (404)', async () => {
    const { backend, reader } = setup(async () => {
      throw new BackendError('http', 404, 'Not Found');
    });
    reader.request(KERNEL, true);
    await jest.advanceTimersByTimeAsync(20000);
    reader.request(KERNEL, true);
    expect(backend.listInFlight).toHaveBeenCalledTimes(1);
    // A reconnect may meet another server: ask again.
    reader.reset(KERNEL);
    reader.request(KERNEL, true);
    expect(backend.listInFlight).toHaveBeenCalledTimes(2);
  });

  it('retries slowly while the server is unreachable', async () => {
    let calls = 0;
    const { model, backend, reader } = setup(async () => {
      calls++;
      if (calls < 3) {
        throw new BackendError('unreachable', null, 'Failed to fetch');
      }
      return [];
    });
    const applied = jest.spyOn(model, 'applyListing');
    reader.request(KERNEL, true);
    await jest.advanceTimersByTimeAsync(4999);
    expect(backend.listInFlight).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(backend.listInFlight).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(5000);
    expect(backend.listInFlight).toHaveBeenCalledTimes(3);
    expect(applied).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(60000);
    expect(backend.listInFlight).toHaveBeenCalledTimes(3);
  });

  it('does nothing after it is disposed', async () => {
    const { backend, reader } = setup(async () => []);
    reader.request(KERNEL);
    reader.dispose();
    await jest.advanceTimersByTimeAsync(5000);
    reader.request(KERNEL, true);
    expect(backend.listInFlight).not.toHaveBeenCalled();
  });
});

describe('UnseenCells', () => {
  it('marks cells until seen, and says which notebook changed', () => {
    const unseen = new UnseenCells();
    const changed: string[] = [];
    unseen.changed.connect((_, key) => changed.push(key));
    unseen.mark('a.ipynb', ['c1', 'c2']);
    unseen.mark('a.ipynb', ['c1']);
    expect(unseen.get('a.ipynb')).toEqual(['c1', 'c2']);
    unseen.seen('a.ipynb', 'c1');
    unseen.seen('a.ipynb', 'c1');
    expect(unseen.has('a.ipynb', 'c1')).toBe(false);
    expect(unseen.has('a.ipynb', 'c2')).toBe(true);
    unseen.rename('a.ipynb', 'b.ipynb');
    expect(unseen.get('a.ipynb')).toEqual([]);
    expect(unseen.get('b.ipynb')).toEqual(['c2']);
    unseen.forget('b.ipynb');
    expect(unseen.get('b.ipynb')).toEqual([]);
    expect(changed).toEqual(['a.ipynb', 'a.ipynb', 'b.ipynb', 'b.ipynb']);
  });
});

describe('indicator words', () => {
  it('summarises the counts as in "2 running · 3 queued on server"', () => {
    expect(summaryText(counts({ running: 2, queued: 3 }), trans)).toBe(
      '2 running · 3 queued on server'
    );
    expect(summaryText(counts({ running: 1, input: 1 }), trans)).toBe(
      '1 running · 1 waiting for input on server'
    );
    expect(summaryText(counts({}), trans)).toBe('Server idle');
    expect(summaryText(counts({ stale: 2 }), trans)).toBe('2 stale marks');
    expect(summaryText(counts({ running: 1, stale: 1 }), trans)).toBe(
      '1 running on server · 1 stale'
    );
  });

  it('says that closing the tab is safe while work is in flight', () => {
    expect(summaryTooltip(counts({ queued: 1 }), true, trans)).toContain(
      'safe to close this tab'
    );
    expect(summaryTooltip(counts({}), true, trans)).toContain(
      'continue on the server even if you close this tab'
    );
    expect(summaryTooltip(counts({}), false, trans)).toContain(
      'Server-side execution is off'
    );
    expect(summaryTooltip(counts({ stale: 1 }), true, trans)).toContain(
      'Stale:'
    );
  });

  it('tells queued and running apart in labels and descriptions', () => {
    expect(stateLabel('queued', trans)).not.toBe(stateLabel('running', trans));
    expect(stateDescription('queued', trans)).toMatch(/^Queued/);
    expect(stateDescription('running', trans)).toMatch(/^Running/);
    expect(hasInFlight(counts({ stale: 3 }))).toBe(false);
    expect(hasInFlight(counts({ input: 1 }))).toBe(true);
  });

  it('formats elapsed time as m:ss and h:mm:ss', () => {
    expect(formatElapsed(0)).toBe('0:00');
    expect(formatElapsed(-50)).toBe('0:00');
    expect(formatElapsed(65_400)).toBe('1:05');
    expect(formatElapsed(3_723_000)).toBe('1:02:03');
  });
});
