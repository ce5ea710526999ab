/**
 * Feed a kernel connection's facts to the foreign-run tracker: its iopub
 * messages, its connection going down and coming back (then the kernel's
 * REST model, as the websocket misses a `busy` sent before it connected),
 * restarts and deaths, and the tab's own session on it.
 */
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { iopubFact, type IIopubMessageLike } from './activity';
import type { ForeignTracker } from './tracker';

/**
 * The subset of `Kernel.IKernelConnection` used here.
 */
export interface IKernelConnectionLike {
  readonly id: string;
  /** The session of this tab's messages on the kernel. */
  readonly clientId: string;
  readonly connectionStatus: string;
  readonly iopubMessage: ISignal<any, IIopubMessageLike>;
  readonly connectionStatusChanged: ISignal<any, string>;
  readonly statusChanged: ISignal<any, string>;
}

export interface IFollowKernelOptions {
  /**
   * The kernel's `execution_state` from its REST model
   * (`KernelAPI.getKernelModel`); rejects or gives null when unknown.
   */
  readState: (kernelId: string) => Promise<string | null | undefined>;
  now?: () => number;
}

/**
 * Follow one kernel connection until disposed.
 */
export function followKernel(
  kernel: IKernelConnectionLike,
  tracker: ForeignTracker,
  options: IFollowKernelOptions
): IDisposable {
  const now = options.now ?? Date.now;
  const kernelId = kernel.id;
  let disposed = false;
  // The last iopub status heard: a REST answer asked for before it is older
  // than what the websocket said since.
  let lastStatusAt = -Infinity;

  const readRest = () => {
    const askedAt = now();
    options.readState(kernelId).then(
      state => {
        if (!disposed && state && lastStatusAt < askedAt) {
          tracker.kernelFact(kernelId, { kind: 'rest', state, at: askedAt });
        }
      },
      () => {
        // Unknown: the websocket will tell.
      }
    );
  };
  const connected = () => {
    tracker.kernelFact(kernelId, {
      kind: 'connection',
      connected: true,
      at: now()
    });
    readRest();
  };

  const onIopub = (_: unknown, message: IIopubMessageLike) => {
    const at = now();
    const fact = iopubFact(message, at);
    if (fact) {
      if (fact.kind === 'status') {
        lastStatusAt = at;
      }
      tracker.kernelFact(kernelId, fact);
    }
  };
  const onConnection = (_: unknown, status: string) => {
    if (status === 'connected') {
      connected();
    } else {
      tracker.kernelFact(kernelId, {
        kind: 'connection',
        connected: false,
        at: now()
      });
    }
  };
  const onStatus = (_: unknown, status: string) => {
    if (
      status === 'restarting' ||
      status === 'autorestarting' ||
      status === 'dead'
    ) {
      tracker.kernelFact(kernelId, { kind: 'reset', at: now() });
    }
  };

  tracker.setOwnSession(kernelId, kernel.clientId);
  kernel.iopubMessage.connect(onIopub);
  kernel.connectionStatusChanged.connect(onConnection);
  kernel.statusChanged.connect(onStatus);
  if (kernel.connectionStatus === 'connected') {
    connected();
  }
  return {
    get isDisposed() {
      return disposed;
    },
    dispose() {
      if (disposed) {
        return;
      }
      disposed = true;
      kernel.iopubMessage.disconnect(onIopub);
      kernel.connectionStatusChanged.disconnect(onConnection);
      kernel.statusChanged.disconnect(onStatus);
    }
  };
}
