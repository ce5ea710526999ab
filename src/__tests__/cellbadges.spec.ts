/**
 * The cell mark: one badge per cell, by the prompt, even when the cell
 * was marked before JupyterLab rendered its input.
 */
import type { Cell } from '@jupyterlab/cells';
import { nullTranslator } from '@jupyterlab/translation';
import { markCell } from '../views/cellbadges';

const trans = nullTranslator.load('jupyterlab_handoff');

function fakeCell(): { cell: Cell; node: HTMLElement } {
  const node = document.createElement('div');
  return { cell: { node } as unknown as Cell, node };
}

/** A cell JupyterLab has rendered: its input wrapper is there. */
function renderedCell(): { cell: Cell; node: HTMLElement; input: HTMLElement } {
  const { cell, node } = fakeCell();
  const input = inputWrapper();
  node.append(input);
  return { cell, node, input };
}

function inputWrapper(): HTMLElement {
  const input = document.createElement('div');
  input.className = 'jp-Cell-inputWrapper';
  return input;
}

/** Where a badge sits: its anchor's host. */
function hostOf(badge: HTMLElement): HTMLElement | null | undefined {
  return badge.parentElement?.parentElement;
}

function badges(node: HTMLElement): HTMLElement[] {
  return [...node.querySelectorAll<HTMLElement>('.jp-handoff-CellBadge')];
}

describe('markCell', () => {
  it('puts one badge by the input and updates it in place', () => {
    const { cell, node, input } = renderedCell();
    markCell(cell, 'queued', trans);
    markCell(cell, 'running', trans);
    expect(badges(node)).toHaveLength(1);
    expect(hostOf(badges(node)[0])).toBe(input);
    expect(badges(node)[0].dataset.state).toBe('running');
    expect(node.classList.contains('jp-handoff-mod-running')).toBe(true);
    expect(node.classList.contains('jp-handoff-mod-queued')).toBe(false);
    markCell(cell, null, trans);
    expect(badges(node)).toHaveLength(0);
  });

  it('moves a badge put on a cell not rendered yet, instead of adding one', () => {
    const { cell, node } = fakeCell();
    markCell(cell, 'unseen', trans);
    expect(badges(node)).toHaveLength(1);
    // JupyterLab renders the cell's input later (a placeholder until then).
    const input = inputWrapper();
    node.append(input);
    markCell(cell, 'unseen', trans);
    expect(badges(node)).toHaveLength(1);
    expect(hostOf(badges(node)[0])).toBe(input);
    expect(badges(node)[0].dataset.state).toBe('unseen');
  });

  it('leaves a cell whose mark did not change alone', () => {
    const { cell, node } = renderedCell();
    markCell(cell, 'running', trans);
    const queries = jest.spyOn(node, 'querySelectorAll');
    const toggles = jest.spyOn(node.classList, 'toggle');
    markCell(cell, 'running', trans);
    markCell(cell, 'running', trans);
    expect(queries).not.toHaveBeenCalled();
    expect(toggles).not.toHaveBeenCalled();
    markCell(cell, 'queued', trans);
    expect(toggles).toHaveBeenCalled();
    expect(badges(node)[0].dataset.state).toBe('queued');
  });

  it('puts the badge back when JupyterLab re-rendered the input', () => {
    const { cell, node, input } = renderedCell();
    markCell(cell, 'queued', trans);
    // The input wrapper is replaced, and the badge with it.
    input.remove();
    const fresh = inputWrapper();
    node.append(fresh);
    markCell(cell, 'queued', trans);
    expect(badges(node)).toHaveLength(1);
    expect(hostOf(badges(node)[0])).toBe(fresh);
    // A badge taken out of its input by anything else comes back too.
    badges(node)[0].remove();
    markCell(cell, 'queued', trans);
    expect(badges(node)).toHaveLength(1);
    expect(hostOf(badges(node)[0])).toBe(fresh);
  });

  it("keeps one anchor after JupyterLab's own children and never touches them", () => {
    const { cell, node, input } = renderedCell();
    const collapser = document.createElement('div');
    const area = document.createElement('div');
    input.append(collapser, area);
    for (const mark of ['queued', 'running', null, 'running', null] as const) {
      markCell(cell, mark, trans);
    }
    const anchors = input.querySelectorAll('.jp-handoff-BadgeAnchor');
    expect(anchors).toHaveLength(1);
    // JupyterLab's layouts insert by child index: theirs come first.
    expect([...input.children]).toEqual([collapser, area, anchors[0]]);
    expect(input.className).toBe('jp-Cell-inputWrapper');
    expect(input.getAttribute('style')).toBeNull();
    expect(badges(node)).toHaveLength(0);
  });

  it('adds nothing to a cell that was never marked', () => {
    const { cell, input } = renderedCell();
    markCell(cell, null, trans);
    expect(input.children).toHaveLength(0);
  });
});
