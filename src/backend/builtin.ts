/**
 * The server dialects this package knows, registered at start-up. Another
 * extension adds its own through `IExecutionBackendRegistry.register`.
 */
import type { IBackendFactory } from '../tokens';
import { nbmodelFactory } from './nbmodel';
import { serverDocumentsFactory } from './serverdocuments';

export const BUILTIN_BACKENDS: readonly IBackendFactory[] = [
  nbmodelFactory,
  serverDocumentsFactory
];
