/**
 * Which backend this server speaks: probed once per page load, and again
 * after `reset()` (the server restarted).
 *
 * `GET api/kernels/<k>/execute` tells the families apart: 404 means no
 * execute route at all; otherwise each registered dialect is asked, highest
 * rank first, for positive evidence that the server is its own. A network
 * error rejects the `decide()` that met it (the caller runs the cell in the
 * tab) and is retried in the background with backoff (`@lumino/polling`'s
 * `Poll`) until the server answers; `decided` then fires.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { Signal, type ISignal } from '@lumino/signaling';
import { Timings } from '../timings';
import type {
  BackendDecision,
  IBackendFactory,
  IExecutionBackendRegistry,
  IServerProbe
} from '../tokens';
import { serverRequest } from './types';

/** The kernel id probed when no notebook has a kernel yet. */
const ANY_KERNEL = '00000000-0000-0000-0000-000000000000';

export interface IBackendRegistryOptions {
  serverSettings: ServerConnection.ISettings;
  /** A page config option (`PageConfig.getOption`). */
  pageOption?: (name: string) => string;
  /** First retry delay after a network error, and the longest (ms). */
  retryMs?: number;
  retryMaxMs?: number;
}

/**
 * The server dialects, and the decision for this server.
 */
export class BackendRegistry implements IExecutionBackendRegistry {
  constructor(options: IBackendRegistryOptions) {
    this._options = options;
  }

  get decision(): BackendDecision | null {
    return this._decision;
  }

  get decided(): ISignal<this, BackendDecision> {
    return this._decided;
  }

  register(factory: IBackendFactory): IDisposable {
    this._factories.push(factory);
    if (this._decision || this._attempt) {
      this.reset();
    }
    let disposed = false;
    return {
      get isDisposed() {
        return disposed;
      },
      dispose: () => {
        if (disposed) {
          return;
        }
        disposed = true;
        this._factories = this._factories.filter(f => f !== factory);
        this.reset();
      }
    };
  }

  decide(kernelId?: string): Promise<BackendDecision> {
    if (this._decision) {
      return Promise.resolve(this._decision);
    }
    if (!this._attempt) {
      const generation = this._generation;
      const kernel = kernelId ?? this._kernelId ?? ANY_KERNEL;
      this._kernelId = kernel;
      this._attempt = this._probe(kernel).then(
        decision => {
          if (generation === this._generation) {
            this._attempt = null;
            this._retry?.dispose();
            this._retry = null;
            this._decision = decision;
            this._decided.emit(decision);
          }
          return decision;
        },
        reason => {
          if (generation === this._generation) {
            this._attempt = null;
            this._scheduleRetry();
          }
          throw reason;
        }
      );
    }
    return this._attempt;
  }

  reset(): void {
    this._generation++;
    this._decision = null;
    this._attempt = null;
    this._retry?.dispose();
    this._retry = null;
  }

  /**
   * The server could not be reached: ask again with backoff until it
   * answers, so the decision is there when it is back.
   */
  private _scheduleRetry(): void {
    if (this._retry) {
      return;
    }
    const interval = this._options.retryMs ?? Timings.probeRetry;
    const retry = new Poll<void, unknown, 'stand-by'>({
      auto: false,
      factory: async () => {
        await this.decide();
      },
      frequency: {
        interval,
        max: this._options.retryMaxMs ?? Timings.probeRetryMax,
        backoff: true
      },
      standby: 'never',
      name: '@jupyterlab-handoff/extension:backend-probe'
    });
    this._retry = retry;
    void retry.schedule({ interval, phase: 'started' });
  }

  private async _probe(kernelId: string): Promise<BackendDecision> {
    const probe = new ServerProbe(
      this._options.serverSettings,
      kernelId,
      this._options.pageOption ?? (() => '')
    );
    const status = await probe.status(
      URLExt.join('api/kernels', encodeURIComponent(kernelId), 'execute')
    );
    const factories = [...this._factories].sort(
      (a, b) => (b.rank ?? 0) - (a.rank ?? 0)
    );
    if (status === 404) {
      const hint = factories.find(factory => factory.installHint);
      return { kind: 'none', installHint: hint?.installHint ?? null };
    }
    for (const factory of factories) {
      if (await factory.detect(probe)) {
        const backend = await factory.create(
          this._options.serverSettings,
          probe
        );
        return backend
          ? { kind: 'backend', backend }
          : { kind: 'unsupported', id: factory.id, label: factory.label };
      }
    }
    return { kind: 'unknown', status };
  }

  private _options: IBackendRegistryOptions;
  private _factories: IBackendFactory[] = [];
  private _decision: BackendDecision | null = null;
  private _attempt: Promise<BackendDecision> | null = null;
  private _kernelId: string | null = null;
  private _generation = 0;
  private _retry: Poll<void, unknown, 'stand-by'> | null = null;
  private _decided = new Signal<this, BackendDecision>(this);
}

/**
 * Asks the server, each path at most once per probe.
 */
class ServerProbe implements IServerProbe {
  constructor(
    private readonly _settings: ServerConnection.ISettings,
    readonly kernelId: string,
    private readonly _pageOption: (name: string) => string
  ) {}

  async status(path: string, method: 'GET' | 'HEAD' = 'GET'): Promise<number> {
    return (await this._fetch(path, method)).status;
  }

  async json(path: string): Promise<unknown> {
    const { status, text } = await this._fetch(path, 'GET');
    if (status !== 200 || !text) {
      return null;
    }
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }

  pageOption(name: string): string {
    return this._pageOption(name);
  }

  private _fetch(
    path: string,
    method: string
  ): Promise<{ status: number; text: string }> {
    const key = `${method} ${path}`;
    let answer = this._answers.get(key);
    if (!answer) {
      answer = (async () => {
        const response = await serverRequest(this._settings, path, {
          method
        });
        return { status: response.status, text: await response.text() };
      })();
      this._answers.set(key, answer);
    }
    return answer;
  }

  private _answers = new Map<
    string,
    Promise<{ status: number; text: string }>
  >();
}
