/**
 * The indicator's plain parts: the unseen marks and the words shown to the
 * user. (The listing reader's tests moved to poller.spec.ts with the poller
 * that replaced it, and to inflightservice.spec.ts.)
 */
import {
  UnseenCells,
  formatElapsed,
  hasInFlight,
  stateDescription,
  stateLabel,
  summaryText,
  summaryTooltip,
  unsupportedText,
  type IInFlightCounts
} from '../inflight';
import { quietYjsWarnings } from './fakes';

quietYjsWarnings();

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

  it('says which backend runs the cells, and steps aside on an unsupported server', () => {
    expect(
      summaryTooltip(counts({ running: 1 }), true, trans, {
        kind: 'backend',
        label: 'jupyter-server-nbmodel'
      })
    ).toContain('Cells run through jupyter-server-nbmodel.');
    expect(summaryTooltip(counts({}), true, trans, { kind: 'none' })).toContain(
      'they run in this tab'
    );
    const aside = summaryTooltip(counts({ running: 2 }), true, trans, {
      kind: 'unsupported',
      label: 'jupyter-server-documents'
    });
    expect(aside).toContain(
      'does not support this server (jupyter-server-documents) yet'
    );
    expect(aside).not.toContain('safe to close this tab');
    expect(unsupportedText(trans)).toBe('Server not supported yet');
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
