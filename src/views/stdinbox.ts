/**
 * JupyterLab's own stdin box under a cell, for a prompt a server-side run
 * waits on (`src/stdin/prompts.ts` finds them).
 *
 * The box is the stock `Stdin` widget made by the output area's own content
 * factory, in the same kind of row as stock puts it (an output prompt and
 * the box, last in the output area), so it looks and behaves as in stock:
 * password prompts masked, line history, Enter sends. Stock hands it the
 * kernel future to reply on; here a stand-in passes the value to
 * `onAnswer`. Unlike stock, the answer is not added to the cell's outputs:
 * the server is the only writer of a running cell.
 */
import type { Cell, CodeCell } from '@jupyterlab/cells';
import type { OutputArea } from '@jupyterlab/outputarea';
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import type { ITranslator } from '@jupyterlab/translation';
import { Panel, type PanelLayout } from '@lumino/widgets';

/** What one box shows. */
export interface IStdinBoxPrompt {
  readonly prompt: string;
  readonly password: boolean;
}

interface IBox {
  prompt: IStdinBoxPrompt;
  panel: Panel;
  answered: boolean;
}

/**
 * The stdin boxes of one notebook's cell widgets.
 */
export class StdinBoxes {
  constructor(
    private readonly _options: {
      translator?: ITranslator;
      /** The user pressed Enter in the box of `prompt`. */
      onAnswer: (prompt: IStdinBoxPrompt, value: string) => void;
      /** A box went without being asked to (its outputs were cleared). */
      onLost?: () => void;
    }
  ) {}

  /**
   * Show `promptOf(cell)` under each code cell (the same prompt object
   * keeps its box), and no box where it gives none.
   */
  update(
    cells: readonly Cell[],
    promptOf: (cell: Cell) => IStdinBoxPrompt | undefined
  ): void {
    const seen = new Set<Cell>();
    for (const cell of cells) {
      if (cell.model.type !== 'code') {
        continue;
      }
      seen.add(cell);
      const wanted = promptOf(cell);
      const box = this._boxes.get(cell);
      if (
        box &&
        (box.prompt !== wanted || box.answered || box.panel.isDisposed)
      ) {
        // Another prompt, an answer that was not taken (shown again), or
        // the output area cleared the box with its outputs.
        this._remove(cell);
      }
      if (wanted && !this._boxes.has(cell)) {
        this._add(cell as CodeCell, wanted);
      }
    }
    for (const cell of [...this._boxes.keys()]) {
      if (!seen.has(cell)) {
        this._remove(cell);
      }
    }
  }

  /** How many boxes are shown. */
  get size(): number {
    return this._boxes.size;
  }

  dispose(): void {
    for (const cell of [...this._boxes.keys()]) {
      this._remove(cell);
    }
  }

  private _add(cell: CodeCell, prompt: IStdinBoxPrompt): void {
    const area: OutputArea | undefined = cell.outputArea;
    if (!area || area.isDisposed) {
      return;
    }
    const factory = area.contentFactory;
    const panel = new Panel();
    panel.addClass('jp-OutputArea-child');
    panel.addClass('jp-OutputArea-stdin-item');
    panel.addClass('jp-handoff-StdinBox');
    const outputPrompt = factory.createOutputPrompt();
    outputPrompt.addClass('jp-OutputArea-prompt');
    panel.addWidget(outputPrompt);
    const box: IBox = { prompt, panel, answered: false };
    // Stock replies on the kernel future; the server holds ours.
    const future = {
      sendInputReply: (content: KernelMessage.IInputReplyMsg['content']) => {
        box.answered = true;
        const value = 'value' in content ? content.value : '';
        this._options.onAnswer(prompt, value);
      }
    } as unknown as Kernel.IShellFuture;
    const stdin = factory.createStdin({
      prompt: prompt.prompt,
      password: prompt.password,
      future,
      parent_header: {} as KernelMessage.IInputReplyMsg['parent_header'],
      translator: this._options.translator,
      inputHistoryScope: 'global',
      showInputPlaceholder: false
    });
    stdin.addClass('jp-OutputArea-output');
    panel.addWidget(stdin);
    // Stock focuses the box (the user just ran the cell). Here the run may
    // be someone else's: never take the focus from an editor or a field.
    const focused = document.activeElement as HTMLElement | null;
    const editing =
      !!focused &&
      (focused.isContentEditable ||
        focused.tagName === 'INPUT' ||
        focused.tagName === 'TEXTAREA');
    (area.layout as PanelLayout).addWidget(panel);
    if (editing && focused.isConnected) {
      focused.focus();
    }
    this._boxes.set(cell, box);
    panel.disposed.connect(() => {
      if (this._boxes.get(cell) === box) {
        this._options.onLost?.();
      }
    });
  }

  private _remove(cell: Cell): void {
    const box = this._boxes.get(cell);
    this._boxes.delete(cell);
    if (box && !box.panel.isDisposed) {
      box.panel.dispose();
    }
  }

  private _boxes = new Map<Cell, IBox>();
}
