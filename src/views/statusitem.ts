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

/**
 * A button in the status bar, e.g. "2 running · 3 queued on server".
 *
 * Its `data-running`, `data-queued`, `data-input` and `data-stale`
 * attributes carry the counts for tests and benchmarks.
 */
export class InFlightStatusItem extends Widget {
  constructor(options: { trans: TranslationBundle; onOpen: () => void }) {
    super({ node: document.createElement('button') });
    this._trans = options.trans;
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
   * Show the counts of the current notebook (`null`: none is current) and
   * what the server supports.
   */
  setCounts(
    counts: IInFlightCounts | null,
    enabled: boolean,
    support: ServerSupport = { kind: 'checking' }
  ): void {
    // On a server we do not support, the document's states are not ours
    // to interpret: show none.
    this._counts = support.kind === 'unsupported' ? EMPTY : (counts ?? EMPTY);
    this._enabled = enabled;
    this._support = support;
    this.update();
  }

  /**
   * Show the runs of other clients on the current notebook's kernel, with
   * how long the oldest has been going.
   */
  setForeign(runs: readonly IForeignRunInfo[]): void {
    this._foreign = runs;
    this.update();
  }

  dispose(): void {
    this._stopClock();
    super.dispose();
  }

  protected onUpdateRequest(): void {
    const counts = this._counts;
    const idle = !hasInFlight(counts) && counts.stale === 0;
    const foreign = this._support.kind === 'unsupported' ? [] : this._foreign;
    const text =
      this._support.kind === 'unsupported'
        ? unsupportedText(this._trans)
        : (foreignSummaryText(
            foreign,
            idle ? null : summaryText(counts, this._trans),
            this._trans
          ) ??
          (idle && !this._enabled
            ? this._trans.__('Server execution off')
            : summaryText(counts, this._trans)));
    let tooltip = summaryTooltip(
      counts,
      this._enabled,
      this._trans,
      this._support
    );
    if (foreign.length) {
      tooltip = `${foreignTooltip(this._trans)}\n${tooltip}`;
      this._since = Math.min(...foreign.map(run => run.since));
      this._tick();
      this._startClock();
    } else {
      this._since = null;
      this._elapsed.textContent = '';
      this._stopClock();
    }
    this.node.dataset.foreign = String(foreign.length);
    this._label.textContent = text;
    this.node.title = tooltip;
    this.node.setAttribute('aria-label', `${text}. ${tooltip}`);
    const state = counts.input
      ? 'input'
      : counts.running || foreign.length
        ? 'running'
        : counts.queued
          ? 'queued'
          : counts.stale
            ? 'stale'
            : 'idle';
    this.node.dataset.state = state;
    this.node.dataset.running = String(counts.running);
    this.node.dataset.queued = String(counts.queued);
    this.node.dataset.input = String(counts.input);
    this.node.dataset.stale = String(counts.stale);
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
  private _foreign: readonly IForeignRunInfo[] = [];
  private _since: number | null = null;
  private _clock: ReturnType<typeof setInterval> | null = null;
  private _elapsed = document.createElement('span');
  private _counts: IInFlightCounts = EMPTY;
  private _enabled = true;
  private _support: ServerSupport = { kind: 'checking' };
  private _icon = document.createElement('span');
  private _label = document.createElement('span');
}
