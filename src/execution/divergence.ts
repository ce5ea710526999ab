/**
 * Divergence between the shared document and the backend's final result.
 *
 * The server is the only writer of a running cell. Once a run is over, the
 * backend's final result (when it keeps one: `finalResult`) can
 * show that the document missed something: updates lost on the way, or a
 * room rebuilt from disk mid-run. Then, and only for an idle cell showing
 * that run's count, the tab repairs by appending what is missing, or by one
 * rebuild from the final result. Anything else is reported, never fought.
 */
import type { ICodeCellModel } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import { OutputAreaModel } from '@jupyterlab/outputarea';
import { JSONExt, type JSONObject, type JSONValue } from '@lumino/coreutils';
import { Timings } from '../timings';
import { showsRunEnd } from './completion';

/**
 * How the document's outputs relate to the final result, both rendered the
 * way JupyterLab renders them (streams merged, `\r` and `\b` applied).
 */
export type Comparison =
  | { kind: 'equal' }
  /** The document holds a prefix; `missing` completes it. */
  | { kind: 'behind'; missing: nbformat.IOutput[] }
  | { kind: 'diverged' };

/**
 * What `reconcileCell` did.
 *
 * - `equal`: nothing to do;
 * - `extended`: the missing tail was appended;
 * - `rebuilt`: the outputs were replaced once by the final result;
 * - `live`: the cell is still running (or never showed this run's end)
 *   while its outputs differ: left alone, to be reported;
 * - `superseded`: the cell shows another run now: left alone.
 */
export type ReconcileAction =
  'equal' | 'extended' | 'rebuilt' | 'live' | 'superseded';

/** The backend's final result for one run. */
export interface IFinalResult {
  executionCount: number | null;
  outputs: unknown[];
}

/**
 * Outputs as JupyterLab shows them: the real OutputAreaModel merges
 * consecutive streams and applies terminal control characters.
 */
export function rendered(outputs: unknown[]): nbformat.IOutput[] {
  const model = new OutputAreaModel({
    values: outputs.filter(isOutput) as nbformat.IOutput[],
    trusted: false
  });
  const json = model.toJSON().map(output => {
    const o = { ...output } as JSONObject;
    if (Array.isArray(o.text)) {
      o.text = (o.text as string[]).join('');
    }
    return o as unknown as nbformat.IOutput;
  });
  model.dispose();
  return json;
}

/**
 * Compare the document's outputs with the backend's final ones.
 */
export function compareOutputs(doc: unknown[], final: unknown[]): Comparison {
  return compareRendered(rendered(doc), rendered(final));
}

/** `compareOutputs` of outputs already `rendered` (rendering is the cost). */
function compareRendered(
  have: nbformat.IOutput[],
  want: nbformat.IOutput[]
): Comparison {
  if (same(have, want)) {
    return { kind: 'equal' };
  }
  if (have.length > want.length) {
    return { kind: 'diverged' };
  }
  for (let i = 0; i < have.length; i++) {
    if (same(have[i], want[i])) {
      continue;
    }
    // Only the last output may be a stream cut short.
    const a = have[i] as nbformat.IStream;
    const b = want[i] as nbformat.IStream;
    if (
      i === have.length - 1 &&
      a.output_type === 'stream' &&
      b.output_type === 'stream' &&
      a.name === b.name &&
      typeof a.text === 'string' &&
      typeof b.text === 'string' &&
      b.text.startsWith(a.text)
    ) {
      return {
        kind: 'behind',
        missing: [
          { ...b, text: b.text.slice(a.text.length) },
          ...want.slice(i + 1)
        ]
      };
    }
    return { kind: 'diverged' };
  }
  return { kind: 'behind', missing: want.slice(have.length) };
}

/**
 * Bring an idle cell's outputs in line with the final result of the run it
 * shows, by extending them or by one rebuild. Never touches a cell that is
 * running, or that shows another run.
 */
export function reconcileCell(
  model: ICodeCellModel,
  final: IFinalResult
): ReconcileAction {
  const doc = model.sharedModel.getOutputs();
  const local = model.outputs.toJSON();
  // Each form rendered once: a flood's 20000 lines take a while.
  const want = rendered(final.outputs);
  const shownByDoc = rendered(doc);
  const shownHere = JSONExt.deepEqual(
    local as unknown as JSONValue,
    doc as unknown as JSONValue
  )
    ? shownByDoc
    : rendered(local);
  const toDoc = compareRendered(shownByDoc, want);
  const toLocal = compareRendered(shownHere, want);
  if (toDoc.kind === 'equal' && toLocal.kind === 'equal') {
    return 'equal';
  }
  if (model.executionState !== 'idle') {
    return 'live';
  }
  if (
    final.executionCount !== null &&
    model.executionCount !== null &&
    model.executionCount !== final.executionCount
  ) {
    return 'superseded';
  }
  const extend =
    toDoc.kind === 'behind' &&
    toLocal.kind === 'behind' &&
    same(shownByDoc, shownHere);
  if (extend) {
    // Adding through the model writes to the document as a local run does
    // (a stream tail is appended to the last stream's text).
    for (const output of toDoc.missing) {
      model.outputs.add(output);
    }
  } else {
    model.outputs.fromJSON(
      final.outputs.filter(isOutput) as nbformat.IOutput[]
    );
  }
  if (model.executionCount === null && final.executionCount !== null) {
    model.executionCount = final.executionCount;
  }
  return extend ? 'extended' : 'rebuilt';
}

/**
 * Wait until the cell shows the end of a run (`completion.ts`: idle with a
 * count, or just idle when the backend's result has no count), then
 * reconcile. A cell that never shows it within `graceMs` is `live` if its
 * outputs differ: the caller reports it. Which run the cell shows is
 * `reconcileCell`'s question, not this wait's; a cell this tab ran again
 * (`isNewest` false) ends the wait and is left to the newer run.
 */
export async function reconcileWhenSettled(
  model: ICodeCellModel,
  final: IFinalResult,
  graceMs: number = Timings.documentGrace,
  isNewest: () => boolean = () => true
): Promise<ReconcileAction> {
  const settled = () =>
    model.isDisposed ||
    !isNewest() ||
    showsRunEnd(model.sharedModel) ||
    (final.executionCount === null && model.executionState === 'idle');
  if (!settled()) {
    await new Promise<void>(resolve => {
      const timer = setTimeout(done, graceMs);
      function done() {
        clearTimeout(timer);
        if (!model.isDisposed) {
          model.stateChanged.disconnect(onChange);
        }
        resolve();
      }
      function onChange() {
        if (settled()) {
          done();
        }
      }
      model.stateChanged.connect(onChange);
    });
  }
  if (model.isDisposed) {
    return 'equal';
  }
  if (!isNewest()) {
    // This tab ran the cell again meanwhile: it belongs to the newer run,
    // even when an end of the old run written concurrently shows there.
    return 'superseded';
  }
  return reconcileCell(model, final);
}

function same(a: unknown, b: unknown): boolean {
  return JSONExt.deepEqual(a as JSONObject, b as JSONObject);
}

function isOutput(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { output_type?: unknown }).output_type === 'string'
  );
}

/**
 * After a run this tab submitted: compare the cell with the backend's final
 * result once it shows the end, repair an idle cell, and say what was done
 * (`null`: nothing to do, or the comparison failed).
 */
export async function repairAfterRun(
  model: ICodeCellModel,
  final: IFinalResult,
  graceMs?: number,
  isNewest?: () => boolean
): Promise<Exclude<ReconcileAction, 'equal' | 'superseded'> | null> {
  let action: ReconcileAction;
  try {
    action = await reconcileWhenSettled(model, final, graceMs, isNewest);
  } catch (reason) {
    console.warn(
      '@jupyterlab-handoff/extension: could not compare outputs',
      reason
    );
    return null;
  }
  return action === 'equal' || action === 'superseded' ? null : action;
}
