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

/** What a cell node was last given, to leave the DOM alone when unchanged. */
interface IApplied {
  mark: CellMark;
  detail: CellMarkDetail;
  /** Where the badge sits (the input wrapper, or the cell before it has one). */
  host: HTMLElement;
  /** The badge's anchor (none until the cell was first marked). */
  anchor: HTMLElement | null;
  badge: HTMLElement | null;
}

const applied = new WeakMap<HTMLElement, IApplied>();

/**
 * Put (or remove) the mark on one cell widget. Idempotent.
 *
 * Every cell of a notebook is marked again on each change of any of them
 * (once per frame): a cell whose mark, badge and input are as they were is
 * not touched, so a Run All costs the DOM only the cells that changed.
 */
export function markCell(
  cell: Cell,
  mark: CellMark,
  trans: TranslationBundle,
  detail: CellMarkDetail = null
): void {
  const node = cell.node;
  const last = applied.get(node);
  if (
    last &&
    last.mark === mark &&
    last.detail === detail &&
    inPlace(node, last)
  ) {
    return;
  }
  for (const state of STATES) {
    node.classList.toggle(`jp-handoff-mod-${state}`, state === mark);
  }
  // In the input wrapper: it stays by the code whatever the outputs below.
  // A cell not yet rendered has none, so the badge may have been put on the
  // cell itself: keep one badge, in the right place.
  const host =
    node.querySelector<HTMLElement>(':scope > .jp-Cell-inputWrapper') ?? node;
  // Only a marked cell gets an anchor: most cells never are.
  const anchor = mark === null ? null : anchorIn(host);
  let badge: HTMLElement | null = null;
  for (const existing of node.querySelectorAll<HTMLElement>(
    '.jp-handoff-CellBadge'
  )) {
    if (!badge && anchor && existing.parentElement === anchor) {
      badge = existing;
    } else {
      existing.remove();
    }
  }
  if (mark === null || anchor === null) {
    // No mark: every badge went in the loop above.
    applied.set(node, { mark, detail, host, anchor, badge: null });
    return;
  }
  if (!badge) {
    badge = document.createElement('div');
    badge.className = 'jp-handoff-CellBadge jp-handoff-Badge';
    badge.setAttribute('role', 'img');
    anchor.append(badge);
  }
  applied.set(node, { mark, detail, host, anchor, badge });
  const foreign = detail === 'foreign' ? 'true' : undefined;
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

/**
 * The badge's anchor in its host, added once and kept: a zero-size element
 * the badge is positioned from (see `base.css`). Appended, so the indexes
 * of JupyterLab's own children, by which its layouts insert, are kept.
 */
function anchorIn(host: HTMLElement): HTMLElement {
  let anchor = host.querySelector<HTMLElement>(
    ':scope > .jp-handoff-BadgeAnchor'
  );
  if (!anchor) {
    anchor = document.createElement('div');
    anchor.className = 'jp-handoff-BadgeAnchor';
    host.append(anchor);
  }
  return anchor;
}

/**
 * Whether the DOM still is as the last mark left it: the badge (if any) in
 * its anchor in its host, and a cell marked before it was rendered still
 * without input.
 */
function inPlace(node: HTMLElement, last: IApplied): boolean {
  if (last.badge === null) {
    // No badge to keep in place (no mark).
    return true;
  }
  if (last.host === node) {
    // Marked before JupyterLab rendered the input: move the badge once it is.
    if (node.querySelector(':scope > .jp-Cell-inputWrapper')) {
      return false;
    }
  } else if (last.host.parentElement !== node) {
    return false;
  }
  return (
    last.anchor?.parentElement === last.host &&
    last.badge.parentElement === last.anchor
  );
}
