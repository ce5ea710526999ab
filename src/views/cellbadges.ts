/**
 * The mark on each cell: a class on the cell and a badge by its prompt.
 */
import type { Cell } from '@jupyterlab/cells';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { InFlightState } from '../tokens';
import { stateDescription, stateLabel } from '../inflight/summary';
import {
  foreignCellDescription,
  waitingBehindDescription
} from '../foreign/words';

/**
 * Why a cell has its mark, when another client is involved: it runs the
 * cell (`foreign`), or the cell of ours waits behind its run (`behind`).
 */
export type CellMarkDetail = 'foreign' | 'behind' | null;

/** What a cell is marked with. */
export type CellMark = InFlightState | 'unseen' | null;

const STATES: Array<Exclude<CellMark, null>> = [
  'queued',
  'running',
  'input',
  'stale',
  'unseen'
];

/**
 * Put (or remove) the mark on one cell widget. Idempotent.
 */
export function markCell(
  cell: Cell,
  mark: CellMark,
  trans: TranslationBundle,
  detail: CellMarkDetail = null
): void {
  const node = cell.node;
  for (const state of STATES) {
    node.classList.toggle(`jp-handoff-mod-${state}`, state === mark);
  }
  // In the input wrapper: it stays by the code whatever the outputs below.
  // A cell not yet rendered has none, so the badge may have been put on the
  // cell itself: keep one badge, in the right place.
  const host =
    node.querySelector<HTMLElement>(':scope > .jp-Cell-inputWrapper') ?? node;
  let badge: HTMLElement | null = null;
  for (const existing of node.querySelectorAll<HTMLElement>(
    '.jp-handoff-CellBadge'
  )) {
    if (!badge && existing.parentElement === host) {
      badge = existing;
    } else {
      existing.remove();
    }
  }
  if (mark === null) {
    badge?.remove();
    return;
  }
  if (!badge) {
    badge = document.createElement('div');
    badge.className = 'jp-handoff-CellBadge jp-handoff-Badge';
    badge.setAttribute('role', 'img');
    host.append(badge);
  }
  const foreign = detail === 'foreign' ? 'true' : undefined;
  if (badge.dataset.state !== mark || badge.dataset.foreign !== foreign) {
    const description =
      detail === 'foreign'
        ? foreignCellDescription(trans)
        : detail === 'behind' && mark === 'queued'
          ? waitingBehindDescription(trans)
          : stateDescription(mark, trans);
    if (foreign) {
      badge.dataset.foreign = foreign;
    } else {
      delete badge.dataset.foreign;
    }
    badge.dataset.state = mark;
    badge.textContent = stateLabel(mark, trans);
    badge.title = description;
    badge.setAttribute('aria-label', description);
  }
}
