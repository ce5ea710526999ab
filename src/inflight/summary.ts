/**
 * The words the indicator uses for the in-flight model: pure functions, so
 * the status item, the list and the cell badges say the same thing.
 */
import type { IInFlightCounts, InFlightState, ServerSupport } from '../tokens';

/**
 * The subset of a JupyterLab `TranslationBundle` used here.
 */
export interface ISummaryTranslator {
  __(msgid: string, ...args: unknown[]): string;
  _n(msgid: string, msgidPlural: string, n: number, ...args: unknown[]): string;
}

/**
 * Whether anything is in flight (stale cells are not).
 */
export function hasInFlight(counts: IInFlightCounts): boolean {
  return counts.running + counts.queued + counts.input > 0;
}

/**
 * The status bar text on a server Handoff does not support yet.
 */
export function unsupportedText(trans: ISummaryTranslator): string {
  return trans.__('Server not supported yet');
}

/**
 * The status bar text, e.g. "2 running · 3 queued on server", or
 * "Server idle" when nothing is in flight.
 */
export function summaryText(
  counts: IInFlightCounts,
  trans: ISummaryTranslator
): string {
  const parts: string[] = [];
  if (counts.running) {
    parts.push(trans.__('%1 running', counts.running));
  }
  if (counts.input) {
    parts.push(trans.__('%1 waiting for input', counts.input));
  }
  if (counts.queued) {
    parts.push(trans.__('%1 queued', counts.queued));
  }
  if (parts.length === 0) {
    return counts.stale
      ? trans._n('%1 stale mark', '%1 stale marks', counts.stale, counts.stale)
      : trans.__('Server idle');
  }
  const text = trans.__('%1 on server', parts.join(' · '));
  return counts.stale
    ? trans._n(
        '%1 · %2 stale',
        '%1 · %2 stale',
        counts.stale,
        text,
        counts.stale
      )
    : text;
}

/**
 * The status bar tooltip: what the numbers mean, and that closing the tab is
 * safe.
 */
export function summaryTooltip(
  counts: IInFlightCounts,
  enabled: boolean,
  trans: ISummaryTranslator,
  support: ServerSupport = { kind: 'checking' }
): string {
  const lines: string[] = [];
  if (support.kind === 'unsupported') {
    return [
      trans.__(
        'Handoff does not support this server (%1) yet: it runs cells with its own executor, and this indicator shows nothing for it.',
        support.label
      )
    ].join('\n');
  }
  if (hasInFlight(counts)) {
    lines.push(
      trans.__(
        'These executions continue on the Jupyter server. It is safe to close this tab: their outputs are saved into the notebook and will be here when you open it again.'
      )
    );
  } else if (enabled) {
    lines.push(
      trans.__(
        'Nothing of this notebook is running on the server. Cells you run continue on the server even if you close this tab.'
      )
    );
  } else {
    lines.push(
      trans.__(
        'Server-side execution is off: cells run in this tab, and outputs of cells still running are lost if you close it.'
      )
    );
  }
  if (counts.stale) {
    lines.push(
      trans.__(
        'Stale: the notebook says a cell is running, but the server has no such execution and the kernel is idle. Clear the mark from the list.'
      )
    );
  }
  if (support.kind === 'backend') {
    lines.push(trans.__('Cells run through %1.', support.label));
  } else if (support.kind === 'none') {
    lines.push(
      trans.__('This server cannot run cells itself: they run in this tab.')
    );
  }
  lines.push(trans.__('Click to list every execution in flight.'));
  return lines.join('\n');
}

/**
 * A short label for a state, for badges and rows.
 */
export function stateLabel(
  state: InFlightState | 'unseen',
  trans: ISummaryTranslator
): string {
  switch (state) {
    case 'queued':
      return trans.__('queued');
    case 'running':
      return trans.__('running');
    case 'input':
      return trans.__('input');
    case 'stale':
      return trans.__('stale');
    case 'unseen':
      return trans.__('new');
  }
}

/**
 * A sentence for a state, for tooltips and screen readers.
 */
export function stateDescription(
  state: InFlightState | 'unseen',
  trans: ISummaryTranslator
): string {
  switch (state) {
    case 'queued':
      return trans.__(
        'Queued on the server: it runs after the cells before it.'
      );
    case 'running':
      return trans.__(
        'Running on the server: it goes on even if you close this tab.'
      );
    case 'input':
      return trans.__('Waiting for input on the server.');
    case 'stale':
      return trans.__(
        'Stale: marked running, but the server is not running it. Clear the mark from the list of executions in flight.'
      );
    case 'unseen':
      return trans.__('Finished or got new output while you were away.');
  }
}

/**
 * Elapsed time as m:ss, or h:mm:ss past an hour.
 */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}`
    : `${minutes}:${seconds}`;
}
