/**
 * A fake server with stdin prompts, and a prompt watcher on it, for the
 * jest tests of `src/stdin/`.
 */
import { NBMODEL_CAPABILITIES } from '../backend/nbmodel';
import {
  PromptWatcher,
  type IPromptWatcherOptions,
  type IRunningRequest
} from '../stdin/prompts';
import type {
  IExecutionBackend,
  InputAnswer,
  IPendingInput,
  ISubmission
} from '../tokens';

export const KERNEL = 'k1';
export const PATH = 'work/ask.ipynb';

/**
 * A server with one stdin prompt per kernel at most, answered first come
 * first served (as our server route does).
 */
export function fakeServer() {
  let pending: { requestId: string; prompt: IPendingInput } | null = null;
  let failing: Error | null = null;
  const answers: Array<{ requestId: string; id?: string; value: string }> = [];
  const findInput = jest.fn(
    async (
      kernelId: string,
      submission: ISubmission
    ): Promise<IPendingInput | null> => {
      if (failing) {
        throw failing;
      }
      return pending && pending.requestId === submission.requestId
        ? pending.prompt
        : null;
    }
  );
  const answerInput = jest.fn(
    async (
      kernelId: string,
      submission: ISubmission,
      prompt: IPendingInput,
      value: string
    ): Promise<InputAnswer> => {
      if (failing) {
        throw failing;
      }
      if (
        !pending ||
        pending.requestId !== submission.requestId ||
        pending.prompt.id !== prompt.id
      ) {
        return 'late';
      }
      answers.push({
        requestId: String(submission.requestId),
        id: prompt.id,
        value
      });
      pending = null;
      return 'answered';
    }
  );
  const backend = {
    id: 'fake',
    label: 'fake',
    capabilities: NBMODEL_CAPABILITIES,
    submit: jest.fn(),
    findInput,
    answerInput
  } as unknown as IExecutionBackend;
  return {
    backend,
    findInput,
    answerInput,
    answers,
    ask: (requestId: string, id: string, prompt = 'who? ', password = false) =>
      (pending = { requestId, prompt: { prompt, password, id } }),
    clear: () => (pending = null),
    fail: (error: Error | null) => (failing = error)
  };
}

export function running(requestId: string, cellId = 'c1'): IRunningRequest {
  return { key: PATH, cellId, kernelId: KERNEL, requestId };
}

/** A watcher of the fake server's prompts, with short test intervals. */
export function newWatcher(
  server: ReturnType<typeof fakeServer>,
  standby: IPromptWatcherOptions['standby'] = 'never'
): PromptWatcher {
  return new PromptWatcher({
    backend: () => server.backend,
    minMs: 100,
    maxMs: 1000,
    standby
  });
}

/** Let the poll's timers and the fake's promises run. */
export async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
}
