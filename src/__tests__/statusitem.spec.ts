/**
 * The status item reads what it shows once per frame, and writes the DOM
 * only where something changed (a Run All changes a cell many times a
 * frame).
 */
import { MessageLoop } from '@lumino/messaging';
import { nullTranslator } from '@jupyterlab/translation';
import type { IInFlightCounts } from '../tokens';
import { InFlightStatusItem, type IStatusFacts } from '../views/statusitem';

const trans = nullTranslator.load('jupyterlab_handoff');

function counts(queued: number, running: number): IInFlightCounts {
  return { queued, running, input: 0, stale: 0 };
}

describe('InFlightStatusItem', () => {
  let facts: IStatusFacts;
  let reads: number;
  let item: InFlightStatusItem;

  beforeEach(() => {
    facts = {
      counts: counts(0, 0),
      enabled: true,
      support: { kind: 'checking' },
      foreign: []
    };
    reads = 0;
    item = new InFlightStatusItem({
      trans,
      onOpen: () => undefined,
      facts: () => {
        reads++;
        return facts;
      }
    });
    MessageLoop.flush();
    reads = 0;
  });

  afterEach(() => item.dispose());

  it('reads the facts once however many changes came before it is drawn', () => {
    for (let i = 0; i < 50; i++) {
      facts = { ...facts, counts: counts(49 - i, 1) };
      item.refresh();
    }
    expect(reads).toBe(0);
    MessageLoop.flush();
    expect(reads).toBe(1);
    expect(item.node.dataset.running).toBe('1');
    expect(item.node.dataset.queued).toBe('0');
    expect(item.node.dataset.state).toBe('running');
  });

  it('leaves the DOM alone when what it shows did not change', async () => {
    facts = { ...facts, counts: counts(3, 1) };
    item.refresh();
    MessageLoop.flush();
    const label = item.node.querySelector('.jp-handoff-StatusItem-label')!;
    const text = label.firstChild;
    expect(label.textContent).toMatch(/1 running/);
    const writes: string[] = [];
    new MutationObserver(records =>
      writes.push(...records.map(r => r.attributeName ?? r.type))
    ).observe(item.node, { attributes: true, childList: true, subtree: true });

    facts = { ...facts, counts: counts(3, 1) };
    item.refresh();
    MessageLoop.flush();
    // MutationObserver records arrive in a microtask.
    await Promise.resolve();
    expect(writes).toEqual([]);
    expect(label.firstChild).toBe(text);

    facts = { ...facts, counts: counts(2, 1) };
    item.refresh();
    MessageLoop.flush();
    expect(item.node.dataset.queued).toBe('2');
    expect(label.firstChild).not.toBe(text);
    await Promise.resolve();
    // Only what changed was written: the label and the queued count.
    expect(writes).toContain('data-queued');
    expect(writes).not.toContain('data-running');
  });

  it('shows nothing of the document on a server it does not support', () => {
    facts = {
      ...facts,
      counts: counts(2, 1),
      support: { kind: 'unsupported', label: 'jupyter-server-documents' }
    };
    item.refresh();
    MessageLoop.flush();
    expect(item.node.dataset.running).toBe('0');
    expect(item.node.dataset.queued).toBe('0');
  });
});
