/**
 * The stdin prompts (`input()`, `getpass`) that server-side runs wait on,
 * for every tab: not only the one that submitted the run.
 *
 * Plain TypeScript with Lumino signals and no DOM. The caller says which
 * requests run now (`setRunning`, from the in-flight model: cells the
 * document shows running, whoever submitted them, with the request id from
 * the listing or the backend's cell mark). For each kernel with such a
 * request, one `Poll` asks the backend's `findInput` (backend with
 * `input: 'request'` only): soon after something changed, then less and
 * less often while nothing changes, with backoff while the server cannot be
 * reached, on stand-by while the page is hidden, and stopped as soon as no
 * request of the kernel runs. A prompt disappears when a read no longer
 * finds it (another tab answered it, the run went on) or when its request
 * stops running (the run ended: interrupt, restart, re-run).
 *
 * `answer` sends this tab's answer through `answerInput`: the first answer
 * wins on the server, and a later one resolves `late` (`late` is emitted so
 * the page can tell its user). The prompt's box goes at once; an answer
 * that failed brings it back.
 */
import type { IDisposable } from '@lumino/disposable';
import type { Poll } from '@lumino/polling';
import { Signal, type ISignal } from '@lumino/signaling';
import {
  KernelPolls,
  type IKernelPoll,
  type ReadOutcome
} from '../server/kernelpolls';
import { Timings } from '../timings';
import type {
  IExecutionBackend,
  InputAnswer,
  IPendingInput,
  ISubmission
} from '../tokens';

/** A request the document shows running in a cell. */
export interface IRunningRequest {
  /** The notebook key (its path). */
  readonly key: string;
  readonly cellId: string;
  readonly kernelId: string;
  readonly requestId: string;
}

/** A prompt to show under a cell. */
export interface IShownPrompt extends IRunningRequest {
  readonly prompt: string;
  readonly password: boolean;
  /** The backend's id of this very prompt, when it has one. */
  readonly id: string | undefined;
}

/** What became of this tab's answer. */
export type AnswerResult = InputAnswer | 'gone';

export interface IPromptWatcherOptions {
  /** The backend to ask; none (or one without prompts): nothing is polled. */
  backend: () => IExecutionBackend | null;
  /** The interval after a change, and the first one (ms). */
  minMs?: number;
  /** The longest interval while nothing changes (ms). */
  maxMs?: number;
  /** `'when-hidden'` in the page; tests may pass `'never'`. */
  standby?: Poll.Standby | (() => boolean | Poll.Standby);
}

interface IKernelState {
  /** The requests of this kernel running now, by request id. */
  running: Map<string, IRunningRequest>;
}

type KernelPoll = IKernelPoll<IKernelState>;

/** What one read found: each request asked, with its prompt or none. */
type Found = Array<[IRunningRequest, IPendingInput | null]>;

/** Identify one prompt (the backend's id, else the request's). */
function promptKey(requestId: string, id: string | undefined): string {
  return id === undefined ? `${requestId}\n` : `${requestId}\n${id}`;
}

/**
 * Finds the stdin prompts of running requests and answers them.
 */
export class PromptWatcher implements IDisposable {
  constructor(options: IPromptWatcherOptions) {
    this._backend = options.backend;
    this._polls = new KernelPolls<IKernelState, Found>({
      name: '@jupyterlab-handoff/extension:stdin',
      minMs: options.minMs ?? Timings.inputMin,
      maxMs: options.maxMs ?? Timings.inputMax,
      standby: options.standby ?? 'when-hidden',
      create: () => ({ running: new Map() }),
      read: kernel => this._read(kernel),
      apply: (kernel, found) => this._apply(kernel, found)
    });
  }

  /** Emitted when the prompts shown changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted when this tab's answer came after another tab's. */
  get late(): ISignal<this, IShownPrompt> {
    return this._late;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Every prompt shown now. */
  get prompts(): IShownPrompt[] {
    return [...this._prompts.values()];
  }

  /** The prompt a cell of a notebook waits on, if any. */
  prompt(key: string, cellId: string): IShownPrompt | undefined {
    for (const shown of this._prompts.values()) {
      if (shown.key === key && shown.cellId === cellId) {
        return shown;
      }
    }
    return undefined;
  }

  /** The requests of a kernel waiting for input now. */
  waiting(kernelId: string): string[] {
    return this.prompts
      .filter(shown => shown.kernelId === kernelId)
      .map(shown => shown.requestId);
  }

  /**
   * The requests running now, in every open notebook (replaces the
   * previous set). Polls the kernels that have one; forgets the prompts of
   * requests no longer running.
   */
  setRunning(requests: Iterable<IRunningRequest>): void {
    if (this._isDisposed) {
      return;
    }
    const backend = this._backend();
    const byKernel = new Map<string, Map<string, IRunningRequest>>();
    if (backend?.capabilities.input === 'request' && backend.findInput) {
      for (const request of requests) {
        const running = byKernel.get(request.kernelId) ?? new Map();
        running.set(request.requestId, request);
        byKernel.set(request.kernelId, running);
      }
    }
    let changed = false;
    for (const kernelId of this._polls.kernelIds()) {
      if (!byKernel.has(kernelId)) {
        this._polls.delete(kernelId);
      }
    }
    for (const [kernelId, running] of byKernel) {
      const kernel = this._polls.ensure(kernelId)!;
      const { state } = kernel;
      const added = [...running.keys()].some(id => !state.running.has(id));
      state.running = running;
      if (added) {
        // A new run: look for its prompt soon, then back off.
        this._polls.quicken(kernel);
        this._polls.start(kernel);
      }
    }
    for (const [key, shown] of [...this._prompts]) {
      const running = byKernel.get(shown.kernelId)?.get(shown.requestId);
      if (
        !running ||
        running.key !== shown.key ||
        running.cellId !== shown.cellId
      ) {
        this._prompts.delete(key);
        changed = true;
      }
    }
    for (const key of [...this._answered]) {
      const requestId = key.split('\n')[0];
      if (![...byKernel.values()].some(running => running.has(requestId))) {
        this._answered.delete(key);
      }
    }
    if (changed) {
      this._changed.emit();
    }
  }

  /** Read a kernel's prompts now (a reconnect, an answer sent). */
  refresh(kernelId: string): void {
    const kernel = this._polls.get(kernelId);
    if (kernel) {
      this._polls.refresh(kernel);
    }
  }

  /**
   * Answer a prompt shown: `answered` when this answer reached the run,
   * `late` when another tab's answer (or the run's end) came first, `gone`
   * when the prompt was no longer shown here. Rejects when the server
   * could not be asked: the prompt is shown again, nothing was sent.
   */
  async answer(shown: IShownPrompt, value: string): Promise<AnswerResult> {
    const backend = this._backend();
    const key = promptKey(shown.requestId, shown.id);
    if (this._prompts.get(key) !== shown || !backend?.answerInput) {
      return 'gone';
    }
    this._prompts.delete(key);
    this._answered.add(key);
    this._changed.emit();
    const submission: ISubmission = { requestId: shown.requestId };
    const pending: IPendingInput = {
      prompt: shown.prompt,
      password: shown.password,
      ...(shown.id !== undefined && { id: shown.id })
    };
    let result: InputAnswer;
    try {
      result = await backend.answerInput(
        shown.kernelId,
        submission,
        pending,
        value
      );
    } catch (reason) {
      this._answered.delete(key);
      const state = this._polls.get(shown.kernelId)?.state;
      if (state?.running.has(shown.requestId) && !this._isDisposed) {
        this._prompts.set(key, shown);
        this._changed.emit();
      }
      throw reason;
    }
    if (result === 'late') {
      this._late.emit(shown);
    }
    this.refresh(shown.kernelId);
    return result;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._polls.dispose();
    this._prompts.clear();
    Signal.clearData(this);
  }

  private async _read(kernel: KernelPoll): Promise<Found | undefined> {
    const backend = this._backend();
    if (!backend?.findInput) {
      return undefined;
    }
    const found: Found = [];
    for (const request of [...kernel.state.running.values()]) {
      // Unreachable or erroring: the poll backs off and asks again.
      const pending = await backend.findInput(kernel.kernelId, {
        requestId: request.requestId
      });
      found.push([request, pending]);
    }
    return found;
  }

  private _apply({ state }: KernelPoll, found: Found): ReadOutcome {
    let changed = false;
    for (const [request, pending] of found) {
      const now = state.running.get(request.requestId);
      for (const [key, shown] of [...this._prompts]) {
        if (
          shown.requestId === request.requestId &&
          (pending === null || key !== promptKey(shown.requestId, pending.id))
        ) {
          // Answered (here or elsewhere), or followed by another prompt.
          this._prompts.delete(key);
          changed = true;
        }
      }
      if (pending === null) {
        for (const key of [...this._answered]) {
          if (key.startsWith(`${request.requestId}\n`)) {
            this._answered.delete(key);
          }
        }
        continue;
      }
      const key = promptKey(request.requestId, pending.id);
      if (!now || this._answered.has(key) || this._prompts.has(key)) {
        // The run ended meanwhile, or this tab has just answered it.
        continue;
      }
      this._prompts.set(key, {
        ...now,
        prompt: pending.prompt,
        password: pending.password,
        id: pending.id
      });
      changed = true;
    }
    if (changed) {
      this._changed.emit();
    }
    return changed ? 'changed' : 'same';
  }

  private _backend: () => IExecutionBackend | null;
  private _polls: KernelPolls<IKernelState, Found>;
  private _prompts = new Map<string, IShownPrompt>();
  /** Prompts this tab answered, until a read no longer finds them. */
  private _answered = new Set<string>();
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
  private _late = new Signal<this, IShownPrompt>(this);
}
