/**
 * Output writers for the reconciliation tests: one that writes into the
 * shared cell the way jupyter-server-nbmodel 0.2.9 does (`_output_hook` in
 * its actions.py), and a sync between two YNotebooks that can be held back,
 * to stand for a slow network or a reconnect.
 */
import type * as nbformat from '@jupyterlab/nbformat';
import { CodeCellModel } from '@jupyterlab/cells';
import { YNotebook, type YCodeCell } from '@jupyter/ydoc';
import * as Y from 'yjs';
import { codeCell, notebookWithCells } from './fakes';

const REMOTE = Symbol('remote');

/**
 * Sync two YNotebooks both ways; `hold()` queues updates until `release()`,
 * which then delivers everything queued as one merged update per side, as a
 * reconnecting provider does.
 */
export function holdableSync(a: YNotebook, b: YNotebook) {
  Y.applyUpdate(a.ydoc, Y.encodeStateAsUpdate(b.ydoc), REMOTE);
  Y.applyUpdate(b.ydoc, Y.encodeStateAsUpdate(a.ydoc), REMOTE);
  let held = false;
  const toA: Uint8Array[] = [];
  const toB: Uint8Array[] = [];
  const sent = { fromA: 0, fromB: 0 };
  a.ydoc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin === REMOTE) {
      return;
    }
    sent.fromA++;
    if (held) {
      toB.push(update);
    } else {
      Y.applyUpdate(b.ydoc, update, REMOTE);
    }
  });
  b.ydoc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin === REMOTE) {
      return;
    }
    sent.fromB++;
    if (held) {
      toA.push(update);
    } else {
      Y.applyUpdate(a.ydoc, update, REMOTE);
    }
  });
  return {
    sent,
    hold() {
      held = true;
    },
    /**
     * Deliver what was held, both ways. An observer that throws does not
     * stop the other side's delivery (the update is applied before its
     * observers run); the first error is rethrown after both.
     */
    release() {
      held = false;
      const deliveries: Array<[Y.Doc, Uint8Array[]]> = [
        [b.ydoc, toB.splice(0)],
        [a.ydoc, toA.splice(0)]
      ];
      const errors: unknown[] = [];
      for (const [doc, updates] of deliveries) {
        if (updates.length) {
          try {
            Y.applyUpdate(doc, Y.mergeUpdates(updates), REMOTE);
          } catch (error) {
            errors.push(error);
          }
        }
      }
      if (errors.length) {
        throw errors[0];
      }
    }
  };
}

/**
 * Apply `\b`, `\r` and `\n` the way JupyterLab's OutputAreaModel and
 * nbmodel do: `\r` moves back to the line start, later characters overwrite.
 */
export function terminal(
  text: string,
  added: string,
  cursor: number
): { text: string; cursor: number } {
  const chars = [...text];
  for (const char of added) {
    if (char === '\b') {
      if (cursor > 0 && chars[cursor - 1] !== '\n') {
        chars.splice(cursor - 1, 1);
        cursor--;
      }
    } else if (char === '\r') {
      while (cursor > 0 && chars[cursor - 1] !== '\n') {
        cursor--;
      }
    } else if (char === '\n') {
      chars.push('\n');
      cursor = chars.length;
    } else {
      if (cursor < chars.length) {
        chars[cursor] = char;
      } else {
        chars.push(char);
      }
      cursor++;
    }
  }
  return { text: chars.join(''), cursor };
}

/**
 * Writes a cell's outputs into the server document as nbmodel 0.2.9 does:
 * a stream continues the last output's `Y.Text` when the name matches (only
 * the changed tail is rewritten), other outputs are appended as plain
 * objects, `clear_output` deletes everything at once, and
 * `update_display_data` is ignored.
 */
export class NbmodelWriter {
  constructor(
    private readonly _doc: YNotebook,
    private readonly _cellId: string
  ) {}

  get cell(): YCodeCell {
    return codeCell(this._doc, this._cellId);
  }

  start(): void {
    const cell = this.cell;
    this._doc.transact(() => {
      cell.clearOutputs();
      cell.execution_count = null;
      cell.executionState = 'running';
    });
    this._stream = null;
  }

  stream(name: 'stdout' | 'stderr', text: string): void {
    const outputs = this.cell.youtputs;
    const last = outputs.length ? outputs.get(outputs.length - 1) : undefined;
    const lastMap =
      last instanceof Y.Map && last.get('name') === name ? last : undefined;
    if (!lastMap) {
      this._stream = { name, ...terminal('', text, 0) };
      const map = new Y.Map<unknown>([
        ['output_type', 'stream'],
        ['name', name],
        ['text', new Y.Text(this._stream.text)]
      ]);
      this._doc.transact(() => outputs.push([map as any]));
      return;
    }
    const shared = lastMap.get('text') as Y.Text;
    const actual = shared.toString();
    if (!this._stream || this._stream.name !== name) {
      this._stream = { name, text: actual, cursor: actual.length };
    }
    const next = terminal(this._stream.text, text, this._stream.cursor);
    this._stream = { name, ...next };
    if (actual === next.text || actual.startsWith(next.text)) {
      return;
    }
    let common = 0;
    while (
      common < actual.length &&
      common < next.text.length &&
      actual[common] === next.text[common]
    ) {
      common++;
    }
    this._doc.transact(() => {
      if (common < actual.length) {
        shared.delete(common, actual.length - common);
      }
      shared.insert(common, next.text.slice(common));
    });
  }

  /** display_data, execute_result or error: a plain object at the end. */
  other(output: nbformat.IOutput): void {
    this._stream = null;
    const outputs = this.cell.youtputs;
    const last = outputs.length ? outputs.get(outputs.length - 1) : undefined;
    const lastValue =
      last instanceof Y.Map ? last.toJSON() : ((last as unknown) ?? null);
    if (JSON.stringify(lastValue) === JSON.stringify(output)) {
      return;
    }
    this._doc.transact(() => outputs.push([output as any]));
  }

  clear(): void {
    this._stream = null;
    const outputs = this.cell.youtputs;
    this._doc.transact(() => outputs.delete(0, outputs.length));
  }

  finish(count: number): void {
    const cell = this.cell;
    this._doc.transact(() => {
      cell.execution_count = count;
      cell.executionState = 'idle';
    });
  }

  private _stream: { name: string; text: string; cursor: number } | null = null;
}

/** A tab's model of a cell of the tab document, as JupyterLab builds it. */
export function tabModel(doc: YNotebook, cellId: string): CodeCellModel {
  return new CodeCellModel({ sharedModel: codeCell(doc, cellId) });
}

/** Outputs with stream text as one string, for comparisons. */
export function plain(outputs: unknown[]): unknown[] {
  return outputs.map(output => {
    const o = { ...(output as Record<string, unknown>) };
    if (Array.isArray(o.text)) {
      o.text = o.text.join('');
    }
    return o;
  });
}

/**
 * A server document with one code cell `c1`, a tab document synced to it
 * through a holdable sync, the tab's real `CodeCellModel`, and an nbmodel
 * writer on the server side.
 */
export function serverAndTab() {
  const server = notebookWithCells(['c1']);
  const tab = new YNotebook({ disableDocumentWideUndoRedo: true });
  const sync = holdableSync(tab, server);
  const model = tabModel(tab, 'c1');
  const writer = new NbmodelWriter(server, 'c1');
  return {
    server,
    tab,
    sync,
    model,
    writer,
    serverOutputs: () => plain(codeCell(server, 'c1').getOutputs()),
    tabYOutputs: () => plain(codeCell(tab, 'c1').getOutputs()),
    tabOutputs: () => plain(model.outputs.toJSON()),
    dispose() {
      model.dispose();
      tab.dispose();
      server.dispose();
    }
  };
}
