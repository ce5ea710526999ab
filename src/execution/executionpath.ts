/**
 * The choice between running a cell on the server and running it in the tab.
 */
import type { ClientPathReason, IExecutionBackend } from '../tokens';

export type { ClientPathReason };

export type ExecutionPath =
  | { path: 'server'; documentId: string; backend: IExecutionBackend }
  | { path: 'client'; reason: ClientPathReason };

/**
 * What the choice depends on. The lookups are lazy because they cost a
 * request or a wait, and are skipped when an earlier condition already fails.
 */
export interface IExecutionPathInputs {
  enabled: boolean;
  collaborative: boolean;
  /** Resolves the backend this server speaks, or why there is none. */
  backend: () => Promise<IExecutionBackend | ClientPathReason>;
  /** Resolves the shared document id, or null after a bounded wait. */
  documentId: () => Promise<string | null>;
}

/**
 * Decide where a cell runs; cheap conditions first.
 */
export async function chooseExecutionPath(
  inputs: IExecutionPathInputs
): Promise<ExecutionPath> {
  if (!inputs.enabled) {
    return { path: 'client', reason: 'disabled' };
  }
  if (!inputs.collaborative) {
    return { path: 'client', reason: 'not-collaborative' };
  }
  const backend = await inputs.backend();
  if (typeof backend === 'string') {
    return { path: 'client', reason: backend };
  }
  const documentId = await inputs.documentId();
  if (!documentId) {
    return { path: 'client', reason: 'no-document-id' };
  }
  return { path: 'server', documentId, backend };
}
