/**
 * Stream text that other frontends store as a list of chunks renders as the
 * same text stored as one string.
 *
 * jpterm writes a stream output's `text` into the shared document as a
 * Y.Array of the chunks the kernel sent (`['out 0\n', 'out 1\n']`).
 * nbformat allows a list there, to be joined with nothing. JupyterLab 4.6
 * joins it with `'\n'` when it builds a cell's outputs from the document (a
 * tab opened after the run shows a blank line between every line, and a
 * chunk that ends mid-line is broken in two), and a tab open during the run
 * joins chunks that arrive in one update with `','`.
 *
 * Why a rendering fix rather than rewriting such outputs as strings in the
 * shared document: the writer may still be appending to its list (jpterm
 * keeps appending to `outputs[-1].text` and never marks a cell running, so
 * "idle" cannot be known), and it would break on a text that is no longer a
 * list. A write would also change the notebook of a user who ran nothing
 * through us. Reading the list as its joined text changes only what the tab
 * builds from the document: every writer, and the file, stay as they are.
 *
 * The fix sits where JupyterLab reads a code cell's outputs from the shared
 * document (`YCodeCell.getOutputs` and the changes `getChanges` reports), so
 * every cell model built or updated from the document gets joined text.
 * Outputs whose text is already a string are passed through untouched.
 */
import type { YCodeCell } from '@jupyter/ydoc';
import { DisposableDelegate, type IDisposable } from '@lumino/disposable';

/** What the patch needs of `YCodeCell.prototype`. */
export interface ICodeCellReader {
  getOutputs(this: YCodeCell): unknown[];
  getChanges(this: YCodeCell, events: unknown[]): Record<string, any>;
}

/** A stream output whose text is a list of chunks. */
function isListStream(output: unknown): output is Record<string, any> {
  return (
    typeof output === 'object' &&
    output !== null &&
    (output as any).output_type === 'stream' &&
    Array.isArray((output as any).text)
  );
}

/** The output with list-form stream text joined, as nbformat defines it. */
export function joinStreamText<T>(output: T): T {
  if (!isListStream(output)) {
    return output;
  }
  return { ...output, text: (output.text as unknown[]).join('') } as T;
}

/** An output of a shared-document change, as a plain object if it is one to fix. */
function readInserted(output: unknown): unknown {
  if (
    typeof output === 'object' &&
    output !== null &&
    typeof (output as any).toJSON === 'function'
  ) {
    const json = (output as any).toJSON();
    // Only list-form streams are replaced; any other output stays the
    // shared value JupyterLab expects.
    return isListStream(json) ? joinStreamText(json) : output;
  }
  return joinStreamText(output);
}

/**
 * The changes of a code cell with list-form stream text joined: inserted
 * outputs, and chunks appended to a stream's list.
 */
export function joinChanges(changes: Record<string, any>): Record<string, any> {
  const { outputsChange, streamOutputChange } = changes;
  let fixed = changes;
  if (Array.isArray(outputsChange)) {
    fixed = {
      ...fixed,
      outputsChange: outputsChange.map((delta: any) =>
        Array.isArray(delta.insert)
          ? { ...delta, insert: delta.insert.map(readInserted) }
          : delta
      )
    };
  }
  if (Array.isArray(streamOutputChange)) {
    fixed = {
      ...fixed,
      streamOutputChange: streamOutputChange.map((delta: any) =>
        Array.isArray(delta.insert)
          ? { ...delta, insert: delta.insert.join('') }
          : delta
      )
    };
  }
  return fixed;
}

/**
 * Read list-form stream text as its joined text in every code cell.
 *
 * `reader` is `YCodeCell.prototype`. Installing twice is harmless; disposing
 * restores what was there.
 */
export function installListStreamReading(reader: ICodeCellReader): IDisposable {
  const marker = Symbol.for('@jupyterlab-handoff/extension:liststreams');
  if ((reader.getOutputs as any)[marker]) {
    return new DisposableDelegate(() => undefined);
  }
  const { getOutputs, getChanges } = reader;
  const patchedGetOutputs = function (this: YCodeCell): unknown[] {
    return getOutputs.call(this).map(joinStreamText);
  };
  const patchedGetChanges = function (
    this: YCodeCell,
    events: unknown[]
  ): Record<string, any> {
    return joinChanges(getChanges.call(this, events));
  };
  (patchedGetOutputs as any)[marker] = true;
  reader.getOutputs = patchedGetOutputs;
  reader.getChanges = patchedGetChanges;
  return new DisposableDelegate(() => {
    if (reader.getOutputs === patchedGetOutputs) {
      reader.getOutputs = getOutputs;
    }
    if (reader.getChanges === patchedGetChanges) {
      reader.getChanges = getChanges;
    }
  });
}
