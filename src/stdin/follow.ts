/**
 * Joins the stdin prompt watcher and the in-flight model, both ways:
 *
 * - the requests the model shows running (or waiting for input), in every
 *   open notebook and whoever submitted them, are the ones the watcher
 *   polls for prompts;
 * - the requests the watcher found waiting are `input` in the model, so the
 *   cell mark, the status item and the list say "waiting for input" in
 *   every tab.
 */
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import type { IInFlightEntry } from '../tokens';
import type { IRunningRequest, PromptWatcher } from './prompts';

/** What the join needs of the in-flight model. */
export interface IPromptModel {
  readonly changed: ISignal<unknown, unknown>;
  entries(): IInFlightEntry[];
  applyPrompts(kernelId: string, requestIds: Iterable<string>): void;
}

/**
 * The requests running now: entries running or waiting for input, with a
 * kernel and a request id (from this tab's submission, the listing or the
 * backend's cell mark).
 */
export function runningRequests(
  entries: readonly IInFlightEntry[]
): IRunningRequest[] {
  const requests: IRunningRequest[] = [];
  for (const entry of entries) {
    if (
      (entry.state === 'running' || entry.state === 'input') &&
      entry.kernelId !== null &&
      entry.requestId !== null
    ) {
      requests.push({
        key: entry.key,
        cellId: entry.cellId,
        kernelId: entry.kernelId,
        requestId: entry.requestId
      });
    }
  }
  return requests;
}

/**
 * Keep the watcher and the model in step until disposed.
 */
export function followModel(
  model: IPromptModel,
  watcher: PromptWatcher
): IDisposable {
  /** Kernels the model was told have prompts. */
  const told = new Set<string>();
  const onModel = () => watcher.setRunning(runningRequests(model.entries()));
  const onPrompts = () => {
    const kernels = new Set(watcher.prompts.map(shown => shown.kernelId));
    for (const kernelId of new Set([...told, ...kernels])) {
      model.applyPrompts(kernelId, watcher.waiting(kernelId));
    }
    told.clear();
    kernels.forEach(kernelId => told.add(kernelId));
  };
  model.changed.connect(onModel);
  watcher.changed.connect(onPrompts);
  onModel();
  let disposed = false;
  return {
    get isDisposed() {
      return disposed;
    },
    dispose: () => {
      if (disposed) {
        return;
      }
      disposed = true;
      model.changed.disconnect(onModel);
      watcher.changed.disconnect(onPrompts);
    }
  };
}
