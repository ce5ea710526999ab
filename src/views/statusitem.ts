/**
 * The status bar item: what the current notebook has on the server.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import {
  hasInFlight,
  summaryText,
  summaryTooltip,
  unsupportedText
} from '../inflight/summary';
import type {
  IForeignRunInfo,
  IInFlightCounts,
  ServerSupport
} from '../tokens';
import { foreignSummaryText, foreignTooltip } from '../foreign/words';
import { formatElapsed } from '../inflight/summary';
import { Timings } from '../timings';

const EMPTY: IInFlightCounts = { queued: 0, running: 0, input: 0, stale: 0 };

/** What the status item shows. */
export interface IStatusFacts {
  /** The current notebook's counts (`null`: none is current). */
  counts: IInFlightCounts | null;
  /** Whether server-side execution is on. */
  enabled: boolean;
  /** What the server supports. */
  support: ServerSupport;
  /** Runs of other clients on the current notebook's kernel. */
  foreign: readonly IForeignRunInfo[];
}

/**
 * A button in the status bar, e.g. "2 running · 3 queued on server".
 *
 * Its `data-running`, `data-queued`, `data-input` and `data-stale`
 * attributes carry the counts for tests and benchmarks.
 */
export class InFlightStatusItem extends Widget {
  constructor(options: {
    trans: TranslationBundle;
    onOpen: () => void;
    /** What to show, read when the item is drawn. */
    facts: () => IStatusFacts;
  }) {
    super({ node: document.createElement('button') });
    this._trans = options.trans;
    this._facts = options.facts;
    this.addClass('jp-handoff-StatusItem');
    const button = this.node as HTMLButtonElement;
    button.type = 'button';
    this._icon.className = 'jp-handoff-StatusItem-icon';
    this._icon.setAttribute('aria-hidden', 'true');
    this._label.className = 'jp-handoff-StatusItem-label';
    this._elapsed.className = 'jp-handoff-StatusItem-elapsed';
    button.append(this._icon, this._label, this._elapsed);
    button.addEventListener('click', () => options.onOpen());
    this.update();
  }

  /**
   * Something the item shows changed: read the facts again when it is next
   * drawn. However many changes a frame brings (a Run All: many), they are
   * read and written once.
   */
  refresh(): void {
    this.update();
  }

  dispose(): void {
    this._stopClock();
    super.dispose();
  }

  protected onUpdateRequest(): void {
    const facts = this._facts();
    const support = facts.support;
    // On a server we do not support, the document's states are not ours
    // to interpret: show none.
    const counts =
      support.kind === 'unsupported' ? EMPTY : (facts.counts ?? EMPTY);
    const idle = !hasInFlight(counts) && counts.stale === 0;
    const foreign = support.kind === 'unsupported' ? [] : facts.foreign;
    const text =
      support.kind === 'unsupported'
        ? unsupportedText(this._trans)
        : (foreignSummaryText(
            foreign,
            idle ? null : summaryText(counts, this._trans),
            this._trans
          ) ??
          (idle && !facts.enabled
            ? this._trans.__('Server execution off')
            : summaryText(counts, this._trans)));
    let tooltip = summaryTooltip(counts, facts.enabled, this._trans, support);
    if (foreign.length) {
      tooltip = `${foreignTooltip(this._trans)}\n${tooltip}`;
      this._since = Math.min(...foreign.map(run => run.since));
      this._tick();
      this._startClock();
    } else {
      this._since = null;
      setText(this._elapsed, '');
      this._stopClock();
    }
    const state = counts.input
      ? 'input'
      : counts.running || foreign.length
        ? 'running'
        : counts.queued
          ? 'queued'
          : counts.stale
            ? 'stale'
            : 'idle';
    // Updated in every frame in which a cell changed (a Run All: each
    // frame): write only what differs, so the status bar is laid out again
    // only then.
    const node = this.node;
    setText(this._label, text);
    if (node.title !== tooltip) {
      node.title = tooltip;
    }
    const label = `${text}. ${tooltip}`;
    if (node.getAttribute('aria-label') !== label) {
      node.setAttribute('aria-label', label);
    }
    setData(node, 'foreign', String(foreign.length));
    setData(node, 'state', state);
    setData(node, 'running', String(counts.running));
    setData(node, 'queued', String(counts.queued));
    setData(node, 'input', String(counts.input));
    setData(node, 'stale', String(counts.stale));
  }

  private _tick(): void {
    this._elapsed.textContent =
      this._since === null ? '' : formatElapsed(Date.now() - this._since);
  }

  private _startClock(): void {
    if (this._clock === null) {
      this._clock = setInterval(() => this._tick(), Timings.listClock);
    }
  }

  private _stopClock(): void {
    if (this._clock !== null) {
      clearInterval(this._clock);
      this._clock = null;
    }
  }

  private _trans: TranslationBundle;
  private _facts: () => IStatusFacts;
  private _since: number | null = null;
  private _clock: ReturnType<typeof setInterval> | null = null;
  private _elapsed = document.createElement('span');
  private _icon = document.createElement('span');
  private _label = document.createElement('span');
}

function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) {
    node.textContent = text;
  }
}

function setData(node: HTMLElement, key: string, value: string): void {
  if (node.dataset[key] !== value) {
    node.dataset[key] = value;
  }
}
