/**
 * The choice between running a cell on the server and running it in the tab.
 */

/**
 * Why a cell runs in the tab instead of on the server.
 */
export type ClientPathReason =
  /** The user turned server-side execution off. */
  | 'disabled'
  /** The notebook is not a shared (Yjs) document. */
  | 'not-collaborative'
  /** The server has no execute endpoint (jupyter-server-nbmodel missing). */
  | 'no-backend'
  /** The shared document never told us its id. */
  | 'no-document-id';

export type ExecutionPath =
  | { path: 'server'; documentId: string }
  | { path: 'client'; reason: ClientPathReason };

/**
 * What the choice depends on. The lookups are lazy because they cost a
 * request or a wait, and are skipped when an earlier condition already fails.
 */
export interface IExecutionPathInputs {
  enabled: boolean;
  collaborative: boolean;
  /** Resolves whether the server offers the execute endpoint. */
  backendAvailable: () => Promise<boolean>;
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
  if (!(await inputs.backendAvailable())) {
    return { path: 'client', reason: 'no-backend' };
  }
  const documentId = await inputs.documentId();
  if (!documentId) {
    return { path: 'client', reason: 'no-document-id' };
  }
  return { path: 'server', documentId };
}
