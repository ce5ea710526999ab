/**
 * The stdin box view on JupyterLab's real OutputArea and Stdin widget.
 */
import type { Cell } from '@jupyterlab/cells';
import { OutputArea, OutputAreaModel } from '@jupyterlab/outputarea';
import {
  RenderMimeRegistry,
  standardRendererFactories
} from '@jupyterlab/rendermime';
import { Widget } from '@lumino/widgets';
import { StdinBoxes, type IStdinBoxPrompt } from '../views/stdinbox';

function setup() {
  const model = new OutputAreaModel();
  const area = new OutputArea({
    model,
    rendermime: new RenderMimeRegistry({
      initialFactories: standardRendererFactories
    })
  });
  Widget.attach(area, document.body);
  const cell = { model: { type: 'code', id: 'c1' }, outputArea: area };
  const answers: Array<[IStdinBoxPrompt, string]> = [];
  const lost = jest.fn();
  const boxes = new StdinBoxes({
    onAnswer: (prompt, value) => answers.push([prompt, value]),
    onLost: lost
  });
  const input = () =>
    area.node.querySelector<HTMLInputElement>(
      '.jp-OutputArea-stdin-item .jp-Stdin-input'
    );
  return {
    model,
    area,
    cell: cell as unknown as Cell,
    boxes,
    answers,
    lost,
    input
  };
}

function pressEnter(input: HTMLInputElement) {
  input.dispatchEvent(
    new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })
  );
}

describe('StdinBoxes', () => {
  it('puts the stock stdin box last under the cell, and sends what is typed on Enter', () => {
    const env = setup();
    const ask: IStdinBoxPrompt = { prompt: 'who? ', password: false };
    env.model.add({ output_type: 'stream', name: 'stdout', text: 'before\n' });
    env.boxes.update([env.cell], () => ask);
    const input = env.input()!;
    expect(input).not.toBeNull();
    expect(input.type).toBe('text');
    expect(env.area.node.querySelector('.jp-Stdin-prompt')!.textContent).toBe(
      'who? '
    );
    // Output written meanwhile goes above the box, as in stock.
    env.model.add({ output_type: 'stream', name: 'stderr', text: 'warn\n' });
    const children = [...env.area.node.children];
    expect(children[children.length - 1].classList).toContain(
      'jp-OutputArea-stdin-item'
    );
    input.value = 'Ada';
    pressEnter(input);
    expect(env.answers).toEqual([[ask, 'Ada']]);
    // The watcher no longer shows the prompt: the box goes.
    env.boxes.update([env.cell], () => undefined);
    expect(env.input()).toBeNull();
    expect(env.lost).not.toHaveBeenCalled();
    env.area.dispose();
  });

  it('masks a password prompt', () => {
    const env = setup();
    env.boxes.update([env.cell], () => ({ prompt: 'pw: ', password: true }));
    expect(env.input()!.type).toBe('password');
    env.area.dispose();
  });

  it('keeps one box per prompt and replaces it for the next prompt', () => {
    const env = setup();
    const first = { prompt: 'one? ', password: false };
    env.boxes.update([env.cell], () => first);
    const node = env.input();
    env.boxes.update([env.cell], () => first);
    expect(env.input()).toBe(node);
    env.boxes.update([env.cell], () => ({ prompt: 'two? ', password: false }));
    expect(env.input()).not.toBe(node);
    expect(env.area.node.querySelectorAll('.jp-Stdin-input')).toHaveLength(1);
    env.area.dispose();
  });

  it('shows the box again after an answer that was not taken', () => {
    const env = setup();
    const ask = { prompt: 'who? ', password: false };
    env.boxes.update([env.cell], () => ask);
    const input = env.input()!;
    input.value = 'x';
    pressEnter(input);
    // The watcher brought the prompt back (the answer could not be sent).
    env.boxes.update([env.cell], () => ask);
    expect(env.input()).not.toBe(input);
    expect(env.input()!.value).toBe('');
    env.area.dispose();
  });

  it('says when the output area cleared the box with its outputs', () => {
    const env = setup();
    env.model.add({ output_type: 'stream', name: 'stdout', text: 'x\n' });
    env.boxes.update([env.cell], () => ({ prompt: 'who? ', password: false }));
    env.model.clear();
    expect(env.input()).toBeNull();
    expect(env.lost).toHaveBeenCalledTimes(1);
    env.area.dispose();
  });

  it('never takes the focus from a field being edited', () => {
    const env = setup();
    const field = document.createElement('textarea');
    document.body.appendChild(field);
    field.focus();
    env.boxes.update([env.cell], () => ({ prompt: 'who? ', password: false }));
    expect(document.activeElement).toBe(field);
    field.remove();
    env.area.dispose();
  });
});
