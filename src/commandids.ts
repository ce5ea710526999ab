/**
 * The command ids of jupyterlab-handoff.
 */
export namespace CommandIDs {
  /** Turn server-side execution on or off (writes the setting). */
  export const toggleServerSideExecution = 'handoff:toggle-server-execution';
  /** Open the list of executions in flight. */
  export const showInFlight = 'handoff:show-in-flight';
  /** Reset the cells flagged stale. */
  export const clearStale = 'handoff:clear-stale';
}
