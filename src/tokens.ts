/**
 * The public contract of jupyterlab-handoff: interfaces and tokens only.
 *
 * Nothing here imports an implementation. A server dialect is one
 * `IExecutionBackend` (in `src/backend/`), registered through
 * `IExecutionBackendRegistry`; the executor, the in-flight model and the
 * views adapt to the capabilities it declares and never name a backend.
 *
 * The contract is kept in `src/tokens/`, one file per side:
 * - `backend.ts`: the backend contract and how a run ends;
 * - `registry.ts`: the server probe, factories and the backend decision;
 * - `service.ts`: the server-execution service, its events and settings;
 * - `inflight.ts`: the in-flight executions the views read.
 */
export * from './tokens/backend';
export * from './tokens/registry';
export * from './tokens/service';
export * from './tokens/inflight';
