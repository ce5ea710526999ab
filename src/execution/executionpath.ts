/**
 * The choice between running a cell on the server and running it in the tab.
 */
import type {
  ClientPathReason,
  IExecutionBackend,
  IExecutionBackendRegistry
} from '../tokens';

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

/**
 * The backend the registry decided on for a kernel's server, or why a cell
 * runs in the tab. `onNone` receives the hint to install a backend.
 */
export async function decidedBackend(
  backends: Pick<IExecutionBackendRegistry, 'decide'>,
  kernelId: string,
  onNone: (installHint: string | null) => void
): Promise<IExecutionBackend | ClientPathReason> {
  try {
    const decision = await backends.decide(kernelId);
    switch (decision.kind) {
      case 'backend':
        return decision.backend;
      case 'unsupported':
        return 'unsupported-backend';
      case 'unknown':
        return 'unknown-backend';
      case 'none':
        onNone(decision.installHint);
        return 'no-backend';
    }
  } catch (reason) {
    // Unreachable now: the registry asks again; this cell runs here.
    console.warn(
      '@jupyterlab-handoff/extension: could not probe the server',
      reason
    );
    return 'server-unreachable';
  }
}
