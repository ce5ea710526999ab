/**
 * The list of executions in flight across all open notebooks, grouped by
 * kernel, with live elapsed times.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { runningIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import type { IForeignRunInfo, IInFlightEntry } from '../tokens';
import { foreignRowText } from '../foreign/words';
import {
  formatElapsed,
  stateDescription,
  stateLabel
} from '../inflight/summary';
import { Timings } from '../timings';
import type { IInFlightExecutions } from '../tokens';

export interface IInFlightPanelOptions {
  inFlight: IInFlightExecutions;
  trans: TranslationBundle;
  /** The clock, in ms; `Date.now` by default. */
  now?: () => number;
}

/**
 * A sidebar panel listing every execution in flight.
 */
export class InFlightPanel extends Widget {
  constructor(options: IInFlightPanelOptions) {
    super();
    this._inFlight = options.inFlight;
    this._trans = options.trans;
    this._now = options.now ?? Date.now;
    this.id = 'jp-handoff-in-flight';
    this.addClass('jp-handoff-InFlightPanel');
    this.title.icon = runningIcon;
    this.title.caption = this._trans.__('Executions on the Server');
    this.node.setAttribute('role', 'region');
    this.node.setAttribute(
      'aria-label',
      this._trans.__('Executions on the server')
    );
    this.node.tabIndex = -1;
    this._inFlight.withForeign.changed.connect(this._schedule, this);
    this._inFlight.notebookAdded.connect(this._schedule, this);
    this.update();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._stopClock();
    this._inFlight.withForeign.changed.disconnect(this._schedule, this);
    this._inFlight.notebookAdded.disconnect(this._schedule, this);
    super.dispose();
  }

  protected onAfterShow(): void {
    this.update();
  }

  protected onAfterHide(): void {
    this._stopClock();
  }

  protected onUpdateRequest(): void {
    if (!this.isVisible) {
      return;
    }
    const focused = this._focusedRowKey();
    const entries = this._inFlight.withForeign.entries();
    // Runs of other clients whose cell is not listed (not in an open
    // notebook, or the tab cannot tell which) get a row of their own.
    const runs = this._inFlight.withForeign
      .foreignRuns()
      .filter(
        run =>
          !run.cell ||
          !entries.some(
            entry =>
              entry.foreign &&
              entry.key === run.cell!.key &&
              entry.cellId === run.cell!.cellId
          )
      );
    this.node.replaceChildren(this._header(entries), this._body(entries, runs));
    if (focused) {
      this.node
        .querySelector<HTMLElement>(`[data-row="${CSS.escape(focused)}"]`)
        ?.focus();
    }
    if (runs.length || entries.some(entry => entry.state !== 'stale')) {
      this._startClock();
    } else {
      this._stopClock();
    }
  }

  private _schedule(): void {
    this.update();
  }

  private _header(entries: IInFlightEntry[]): HTMLElement {
    const header = document.createElement('div');
    header.className = 'jp-handoff-InFlightPanel-header';
    const title = document.createElement('h2');
    title.className = 'jp-handoff-InFlightPanel-title';
    title.textContent = this._trans.__('Executions on the Server');
    const note = document.createElement('p');
    note.className = 'jp-handoff-InFlightPanel-note';
    note.textContent = this._trans.__(
      'These continue on the server when you close the tab; their outputs are saved into the notebook.'
    );
    header.append(title, note);
    const stale = entries.filter(entry => entry.state === 'stale').length;
    if (stale) {
      const clear = document.createElement('button');
      clear.type = 'button';
      clear.className = 'jp-mod-styled jp-mod-warn jp-handoff-ClearStale';
      clear.textContent = this._trans._n(
        'Clear %1 stale mark',
        'Clear %1 stale marks',
        stale,
        stale
      );
      clear.title = this._trans.__(
        'These cells are marked running, but the server is not running them and the kernel is idle. Clear the marks in every tab.'
      );
      clear.addEventListener('click', () => {
        this._inFlight.clearStale();
      });
      header.append(clear);
    }
    return header;
  }

  private _body(
    entries: IInFlightEntry[],
    runs: IForeignRunInfo[]
  ): HTMLElement {
    if (entries.length === 0 && runs.length === 0) {
      const empty = document.createElement('p');
      empty.className = 'jp-handoff-InFlightPanel-empty';
      empty.textContent = this._trans.__(
        'Nothing is queued or running on the server.'
      );
      return empty;
    }
    const body = document.createElement('div');
    body.className = 'jp-handoff-InFlightPanel-body';
    const byKernel = new Map<string, IInFlightEntry[]>();
    for (const entry of entries) {
      const kernel = entry.kernelId ?? '';
      byKernel.set(kernel, [...(byKernel.get(kernel) ?? []), entry]);
    }
    for (const run of runs) {
      if (!byKernel.has(run.kernelId)) {
        byKernel.set(run.kernelId, []);
      }
    }
    for (const [kernelId, group] of byKernel) {
      body.append(
        this._group(
          kernelId,
          group,
          runs.filter(run => run.kernelId === kernelId)
        )
      );
    }
    return body;
  }

  private _group(
    kernelId: string,
    entries: IInFlightEntry[],
    runs: IForeignRunInfo[] = []
  ): HTMLElement {
    const section = document.createElement('section');
    section.className = 'jp-handoff-InFlightGroup';
    const head = document.createElement('div');
    head.className = 'jp-handoff-InFlightGroup-head';
    const descriptions = entries.map(entry =>
      this._inFlight.describe(entry.key, entry.cellId)
    );
    const names =
      [
        ...new Set(
          descriptions.map(
            (description, i) => description?.notebookName ?? entries[i].key
          )
        )
      ].join(', ') || this._trans.__('Kernel %1', kernelId.slice(0, 8));
    const kernelName = descriptions.find(d => d?.kernelName)?.kernelName;
    const label = document.createElement('span');
    label.className = 'jp-handoff-InFlightGroup-label';
    label.textContent = kernelName
      ? this._trans.__('%1 · %2', kernelName, names)
      : names;
    head.append(label);
    if (
      kernelId &&
      (runs.length || entries.some(entry => entry.state !== 'stale'))
    ) {
      const interrupt = document.createElement('button');
      interrupt.type = 'button';
      interrupt.className = 'jp-mod-styled jp-handoff-Interrupt';
      interrupt.textContent = this._trans.__('Interrupt');
      interrupt.setAttribute(
        'aria-label',
        this._trans.__(
          'Interrupt the kernel of %1: stops the running cell and drops the queued ones',
          names
        )
      );
      interrupt.title = interrupt.getAttribute('aria-label')!;
      interrupt.addEventListener('click', () => {
        interrupt.disabled = true;
        void this._inFlight.interrupt(kernelId).catch(reason => {
          interrupt.disabled = false;
          console.warn(
            '@jupyterlab-handoff/extension: interrupt failed',
            reason
          );
        });
      });
      head.append(interrupt);
    }
    const list = document.createElement('ul');
    list.className = 'jp-handoff-InFlightList';
    list.setAttribute('aria-label', label.textContent);
    for (const run of runs) {
      list.append(this._foreignRow(run));
    }
    for (const entry of entries) {
      list.append(this._row(entry));
    }
    section.append(head, list);
    return section;
  }

  private _row(entry: IInFlightEntry): HTMLElement {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'jp-handoff-InFlightRow';
    button.dataset.row = `${entry.key}\n${entry.cellId}`;
    button.dataset.state = entry.state;
    const description = this._inFlight.describe(entry.key, entry.cellId);
    const place = description
      ? this._trans.__(
          '%1, cell %2',
          description.notebookName,
          description.index + 1
        )
      : entry.key;
    const where = entry.foreign
      ? this._trans.__('Another client: %1', place)
      : place;
    if (description) {
      button.dataset.path = description.notebookPath;
    }

    const badge = document.createElement('span');
    badge.className = 'jp-handoff-Badge';
    badge.dataset.state = entry.state;
    badge.textContent = stateLabel(entry.state, this._trans);
    const cell = document.createElement('span');
    cell.className = 'jp-handoff-InFlightRow-cell';
    cell.textContent = where;
    const line = document.createElement('code');
    line.className = 'jp-handoff-InFlightRow-line';
    line.textContent = description?.firstLine ?? '';
    const elapsed = document.createElement('span');
    elapsed.className = 'jp-handoff-InFlightRow-elapsed';
    elapsed.dataset.since = String(entry.since);
    elapsed.textContent = formatElapsed(this._now() - entry.since);
    if (entry.ours) {
      button.dataset.ours = 'true';
    }
    if (entry.foreign) {
      button.dataset.foreign = 'true';
    }
    button.append(badge, cell, elapsed, line);
    button.title = `${stateDescription(entry.state, this._trans)}\n${this._trans.__(
      'Select to go to the cell.'
    )}`;
    button.setAttribute(
      'aria-label',
      this._trans.__(
        '%1: %2, %3 for %4. Go to the cell.',
        where,
        description?.firstLine ?? '',
        stateLabel(entry.state, this._trans),
        elapsed.textContent
      )
    );
    button.addEventListener(
      'click',
      () => void this._inFlight.jumpTo(entry.key, entry.cellId)
    );
    item.append(button);
    return item;
  }

  /** A run of another client whose cell the tab cannot show. */
  private _foreignRow(run: IForeignRunInfo): HTMLElement {
    const item = document.createElement('li');
    const row = document.createElement('div');
    row.className = 'jp-handoff-InFlightRow';
    row.dataset.state = 'running';
    row.dataset.foreign = 'true';
    const badge = document.createElement('span');
    badge.className = 'jp-handoff-Badge';
    badge.dataset.state = 'running';
    badge.textContent = stateLabel('running', this._trans);
    const what = document.createElement('span');
    what.className = 'jp-handoff-InFlightRow-cell';
    what.textContent = foreignRowText(run, () => null, this._trans);
    const elapsed = document.createElement('span');
    elapsed.className = 'jp-handoff-InFlightRow-elapsed';
    elapsed.dataset.since = String(run.since);
    elapsed.textContent = formatElapsed(this._now() - run.since);
    row.append(badge, what, elapsed);
    row.setAttribute('role', 'group');
    row.setAttribute(
      'aria-label',
      this._trans.__(
        '%1, running for %2',
        what.textContent,
        elapsed.textContent
      )
    );
    row.title = this._trans.__(
      'Another client (another frontend, a script, a terminal) is running code on this kernel. Cells you run wait until it is over.'
    );
    item.append(row);
    return item;
  }

  private _focusedRowKey(): string | null {
    const active = document.activeElement as HTMLElement | null;
    return active && this.node.contains(active)
      ? (active.dataset.row ?? null)
      : null;
  }

  private _startClock(): void {
    if (this._clock !== null) {
      return;
    }
    this._clock = setInterval(() => {
      const now = this._now();
      for (const span of this.node.querySelectorAll<HTMLElement>(
        '.jp-handoff-InFlightRow-elapsed'
      )) {
        span.textContent = formatElapsed(now - Number(span.dataset.since));
      }
    }, Timings.listClock);
  }

  private _stopClock(): void {
    if (this._clock !== null) {
      clearInterval(this._clock);
      this._clock = null;
    }
  }

  private _inFlight: IInFlightExecutions;
  private _trans: TranslationBundle;
  private _now: () => number;
  private _clock: ReturnType<typeof setInterval> | null = null;
}
