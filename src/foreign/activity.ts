/**
 * What a kernel is doing, as far as this tab can see it: a pure reducer over
 * the facts the tab receives about a kernel, whoever submitted the work.
 *
 * - the kernel's iopub `status` messages (busy and idle, per request: every
 *   websocket connected to a kernel receives them for every client);
 * - its iopub `execute_input` messages (an execution really started in the
 *   kernel, with the code and the session of the client that sent it);
 * - `execution_state` from `GET /api/kernels/{id}`, read after a reload or a
 *   reconnect (the websocket misses the first `busy` of a run already going);
 * - the tab's kernel connection going down or coming back, and the kernel
 *   restarting or dying.
 *
 * No DOM, no JupyterLab objects: the wiring turns kernel messages into facts
 * with `iopubFact` and keeps one `IKernelActivity` per kernel.
 */

/**
 * One execution the kernel started (`execute_input`) and has not ended yet.
 */
export interface IKernelExecution {
  /** The `msg_id` of the `execute_request` (the iopub parent). */
  readonly msgId: string;
  /** The session of the client that sent it. */
  readonly session: string;
  /** The code, as the kernel echoed it. */
  readonly code: string;
  /** When the tab received `execute_input` (ms). */
  readonly startedAt: number;
}

/**
 * A request the kernel is busy with (an iopub `status: busy` without its
 * `idle` yet).
 */
export interface IBusyRequest {
  readonly msgId: string;
  readonly session: string | null;
  /** The parent's `msg_type`, e.g. `execute_request` (null if unknown). */
  readonly msgType: string | null;
  readonly since: number;
}

/**
 * What this tab knows of one kernel's activity.
 */
export interface IKernelActivity {
  /** The requests the kernel reported busy with, in order. */
  readonly busy: readonly IBusyRequest[];
  /** The execution the kernel started last and has not ended. */
  readonly current: IKernelExecution | null;
  /**
   * The REST model said `busy` (after a reload or a reconnect) and no iopub
   * message has told since what with: when it was read, else null.
   */
  readonly restBusySince: number | null;
  /**
   * Since when the tab has received this kernel's iopub messages without a
   * gap (null: not connected). Work that started before it may have been
   * missed.
   */
  readonly watchingSince: number | null;
}

/**
 * One fact about a kernel.
 */
export type KernelFact =
  /** An iopub `status` message. */
  | {
      kind: 'status';
      state: string;
      parentMsgId: string | null;
      parentSession: string | null;
      parentMsgType: string | null;
      at: number;
    }
  /** An iopub `execute_input` message. */
  | {
      kind: 'execute-input';
      parentMsgId: string;
      parentSession: string;
      code: string;
      at: number;
    }
  /** `execution_state` from the kernel's REST model. */
  | { kind: 'rest'; state: string; at: number }
  /** The tab's connection to the kernel went down or came back. */
  | { kind: 'connection'; connected: boolean; at: number }
  /** The kernel restarted, died or was replaced: nothing of before runs. */
  | { kind: 'reset'; at: number };

/**
 * Nothing known yet.
 */
export const EMPTY_ACTIVITY: IKernelActivity = Object.freeze({
  busy: Object.freeze([]) as readonly IBusyRequest[],
  current: null,
  restBusySince: null,
  watchingSince: null
});

/**
 * The subset of a kernel message `iopubFact` reads.
 */
export interface IIopubMessageLike {
  header: { msg_type: string };
  parent_header?:
    | { msg_id?: string; session?: string; msg_type?: string }
    | Record<string, never>;
  content: unknown;
}

/**
 * The fact an iopub message carries, or null when it tells nothing about
 * what the kernel is busy with.
 */
export function iopubFact(
  message: IIopubMessageLike,
  at: number
): KernelFact | null {
  const parent = (message.parent_header ?? {}) as {
    msg_id?: string;
    session?: string;
    msg_type?: string;
  };
  const content = (message.content ?? {}) as Record<string, unknown>;
  switch (message.header.msg_type) {
    case 'status': {
      const state = content.execution_state;
      if (typeof state !== 'string') {
        return null;
      }
      return {
        kind: 'status',
        state,
        parentMsgId: parent.msg_id || null,
        parentSession: parent.session || null,
        parentMsgType: parent.msg_type || null,
        at
      };
    }
    case 'execute_input': {
      if (!parent.msg_id || typeof content.code !== 'string') {
        return null;
      }
      return {
        kind: 'execute-input',
        parentMsgId: parent.msg_id,
        parentSession: parent.session ?? '',
        code: content.code,
        at
      };
    }
    default:
      return null;
  }
}

/**
 * The activity after one fact. Returns the same object when nothing changed.
 */
export function reduceActivity(
  activity: IKernelActivity,
  fact: KernelFact
): IKernelActivity {
  switch (fact.kind) {
    case 'connection':
      // Whatever was going on, we no longer hear how it ends: forget it, and
      // let a REST read tell what the kernel does now.
      return fact.connected
        ? { ...EMPTY_ACTIVITY, watchingSince: fact.at }
        : EMPTY_ACTIVITY;
    case 'reset':
      return {
        ...EMPTY_ACTIVITY,
        watchingSince: activity.watchingSince === null ? null : fact.at
      };
    case 'rest':
      if (fact.state === 'busy') {
        if (activity.busy.length > 0 || activity.restBusySince !== null) {
          return activity;
        }
        return { ...activity, restBusySince: fact.at };
      }
      if (fact.state === 'idle') {
        // The REST model is read once; a busy spell the websocket reports
        // after it is newer than this answer, so only the REST flag goes.
        return activity.restBusySince === null
          ? activity
          : { ...activity, restBusySince: null };
      }
      // starting, restarting, dead...
      return { ...EMPTY_ACTIVITY, watchingSince: activity.watchingSince };
    case 'execute-input':
      return {
        ...activity,
        restBusySince: null,
        current: {
          msgId: fact.parentMsgId,
          session: fact.parentSession,
          code: fact.code,
          startedAt: fact.at
        }
      };
    case 'status':
      return reduceStatus(activity, fact);
  }
}

/**
 * Reduce several facts in order.
 */
export function reduceActivities(
  activity: IKernelActivity,
  facts: Iterable<KernelFact>
): IKernelActivity {
  let result = activity;
  for (const fact of facts) {
    result = reduceActivity(result, fact);
  }
  return result;
}

/**
 * Whether the kernel is busy as far as the tab knows, and since when.
 */
export function busySince(activity: IKernelActivity): number | null {
  const times = activity.busy.map(request => request.since);
  if (activity.restBusySince !== null) {
    times.push(activity.restBusySince);
  }
  if (activity.current) {
    times.push(activity.current.startedAt);
  }
  return times.length ? Math.min(...times) : null;
}

function reduceStatus(
  activity: IKernelActivity,
  fact: Extract<KernelFact, { kind: 'status' }>
): IKernelActivity {
  if (
    fact.state === 'starting' ||
    fact.state === 'restarting' ||
    fact.state === 'dead'
  ) {
    return reduceActivity(activity, { kind: 'reset', at: fact.at });
  }
  const id = fact.parentMsgId;
  if (fact.state === 'busy') {
    if (id === null || activity.busy.some(request => request.msgId === id)) {
      return activity;
    }
    return {
      ...activity,
      busy: [
        ...activity.busy,
        {
          msgId: id,
          session: fact.parentSession,
          msgType: fact.parentMsgType,
          since: fact.at
        }
      ]
    };
  }
  if (fact.state !== 'idle') {
    return activity;
  }
  const known = id !== null && activity.busy.some(r => r.msgId === id);
  const busy = known
    ? activity.busy.filter(r => r.msgId !== id)
    : activity.busy;
  // An idle for a request we never saw start ends the busy spell the REST
  // model told us about (its first `busy` was before we listened).
  const restBusySince = known ? activity.restBusySince : null;
  const current =
    activity.current && activity.current.msgId === id ? null : activity.current;
  if (
    busy === activity.busy &&
    current === activity.current &&
    restBusySince === activity.restBusySince
  ) {
    return activity;
  }
  return { ...activity, busy, current, restBusySince };
}
