/**
 * Where the seen records live: our server part's route when the server has
 * it, JupyterLab's state database otherwise.
 *
 * The route (`api/handoff/seen`, see `jupyterlab_handoff/seen.py`) keeps
 * each record as its own entry, so a browser writing its record never
 * touches another browser's. The state database is saved whole with the
 * workspace, last writer wins: a page left open in one browser can put its
 * older copy back over the record another browser wrote meanwhile. It
 * remains the fallback for servers without our server part (jupyverse, or
 * the extension installed without it).
 *
 * The route is probed once per page load; records found in the state
 * database are then moved to the server. No DOM.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import {
  isObject,
  notebookPrefix,
  parseRecord,
  SEEN_NAMESPACE
} from './seenrecords';
import {
  listByPrefix,
  type ISeenStateDB,
  type ISeenStoreOptions
} from './seenstore';

/** The route, below the server's base URL. */
export const SEEN_ROUTE = 'api/handoff/seen';

/**
 * A request to the route that failed: `status` is null when no answer came.
 */
export class SeenRouteError extends Error {
  constructor(
    readonly status: number | null,
    message: string
  ) {
    super(message);
    this.name = 'SeenRouteError';
    Object.setPrototypeOf(this, SeenRouteError.prototype);
  }
}

/**
 * The seen records on the server, behind the subset of `IStateDB` the seen
 * store uses. Every request goes through `ServerConnection.makeRequest`
 * with the app's settings (token, XSRF, base URL).
 */
export class SeenServerDB implements ISeenStateDB {
  constructor(private readonly _settings: ServerConnection.ISettings) {}

  /** The route keeps at most `c.HandoffSeen.max_records` (seen.py). */
  readonly boundsItself = true;

  async fetch(id: string): Promise<unknown> {
    const response = await this._request(`/${encodeURIComponent(id)}`, {
      method: 'GET'
    });
    if (response.status === 404) {
      return undefined;
    }
    return this._json(response);
  }

  async save(id: string, value: any): Promise<void> {
    await this._json(
      await this._request(`/${encodeURIComponent(id)}`, {
        method: 'PUT',
        body: JSON.stringify(value)
      })
    );
  }

  async remove(id: string): Promise<void> {
    await this._json(
      await this._request(`/${encodeURIComponent(id)}`, { method: 'DELETE' })
    );
  }

  list(namespace: string): Promise<{ ids: string[]; values: unknown[] }> {
    return this.listPrefix(`${namespace}:`);
  }

  async listPrefix(
    prefix: string
  ): Promise<{ ids: string[]; values: unknown[] }> {
    const query = URLExt.objectToQueryString({ prefix });
    const data = await this._json(
      await this._request(query, { method: 'GET' })
    );
    if (
      !isObject(data) ||
      !Array.isArray(data.ids) ||
      !Array.isArray(data.values) ||
      data.ids.length !== data.values.length ||
      !data.ids.every(id => typeof id === 'string')
    ) {
      throw new SeenRouteError(200, 'The seen records listing is malformed');
    }
    return { ids: data.ids as string[], values: data.values };
  }

  private async _request(tail: string, init: RequestInit): Promise<Response> {
    const url = URLExt.join(this._settings.baseUrl, SEEN_ROUTE) + tail;
    try {
      return await ServerConnection.makeRequest(url, init, this._settings);
    } catch (reason) {
      throw new SeenRouteError(null, (reason as Error).message);
    }
  }

  /** The body of a successful answer (null when empty), or a clear error. */
  private async _json(response: Response): Promise<unknown> {
    const text = await response.text();
    if (!response.ok) {
      let message = text.slice(0, 300);
      try {
        const data = JSON.parse(text);
        if (isObject(data) && typeof data.message === 'string') {
          message = data.message;
        }
      } catch {
        // Not JSON: the text will do.
      }
      throw new SeenRouteError(
        response.status,
        `The server refused the seen records (${response.status}): ${message}`
      );
    }
    if (!text) {
      return null;
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new SeenRouteError(response.status, 'The server answered no JSON');
    }
  }
}

/**
 * Where the records were found to live, for the store.
 */
export interface ISeenBacking {
  /** `server`: our route; `state`: the state database; `none`: neither. */
  where: 'server' | 'state' | 'none';
  db: ISeenStateDB;
  /** The server's copy of the workspace, for the state-database store. */
  remote?: () => Promise<unknown>;
}

export interface IChooseSeenBackingOptions {
  /** The route (a `SeenServerDB`). */
  server: ISeenStateDB;
  /** JupyterLab's state database, when there is one. */
  state: ISeenStateDB | null;
  /** Reads the workspace from the server (state database only). */
  remote?: () => Promise<unknown>;
  /** Where to say what happened; the console by default. */
  log?: Pick<Console, 'debug' | 'warn'>;
}

/** Keeps nothing (no route, no state database: localStorage alone). */
export const NO_SEEN_DB: ISeenStateDB = {
  fetch: async () => undefined,
  save: async () => undefined,
  remove: async () => undefined,
  list: async () => ({ ids: [], values: [] })
};

/**
 * Probe the route once and choose; when it answers, move the records the
 * state database still holds to the server first. Never rejects.
 */
export async function chooseSeenBacking(
  options: IChooseSeenBackingOptions
): Promise<ISeenBacking> {
  const log = options.log ?? console;
  // Every record on the server is listed only when there are records to
  // move (their ages are compared); otherwise one that matches none will do.
  const toMove = await countSeenRecords(options.state);
  let onServer: { ids: string[]; values: unknown[] };
  try {
    onServer =
      toMove > 0
        ? await options.server.list(SEEN_NAMESPACE)
        : await listByPrefix(options.server, ROUTE_PROBE_PREFIX);
  } catch (reason) {
    if (reason instanceof SeenRouteError && reason.status === 404) {
      // A server without our server part: the state database will do.
      log.debug('No seen-records route on this server: using the workspace');
    } else {
      log.warn(
        'Could not reach the seen records on the server; this page keeps them in the workspace:',
        reason
      );
    }
    return options.state
      ? { where: 'state', db: options.state, remote: options.remote }
      : { where: 'none', db: NO_SEEN_DB };
  }
  if (options.state && toMove > 0) {
    await migrateSeenRecords(options.state, options.server, onServer, log);
  }
  return { where: 'server', db: options.server };
}

/**
 * A prefix no record id has (a notebook's path is never empty): listing it
 * only asks whether the route is there.
 */
const ROUTE_PROBE_PREFIX = notebookPrefix('');

async function countSeenRecords(state: ISeenStateDB | null): Promise<number> {
  try {
    return state ? (await state.list(SEEN_NAMESPACE)).ids.length : 0;
  } catch {
    return 0;
  }
}

/**
 * Move the records kept in the state database to the server: each one the
 * server lacks or has older, then remove it from the state database (which
 * the workspace save then drops too). A record that could not be written
 * stays where it is, for the next page load.
 */
export async function migrateSeenRecords(
  from: ISeenStateDB,
  to: ISeenStateDB,
  known: { ids: string[]; values: unknown[] },
  log: Pick<Console, 'warn'> = console
): Promise<number> {
  let moved = 0;
  let listed: { ids: string[]; values: unknown[] };
  try {
    listed = await from.list(SEEN_NAMESPACE);
  } catch {
    return 0;
  }
  const there = new Map<string, unknown>();
  known.ids.forEach((id, i) => there.set(id, known.values[i]));
  for (const [i, id] of listed.ids.entries()) {
    const record = parseRecord(listed.values[i]);
    try {
      if (record) {
        const theirs = parseRecord(there.get(id));
        if (!theirs || theirs.takenAt < record.takenAt) {
          await to.save(id, record);
          moved++;
        }
      }
      await from.remove(id);
    } catch (reason) {
      log.warn('Could not move a seen record to the server:', id, reason);
      return moved;
    }
  }
  return moved;
}

/**
 * The store's `db` and `remote` while the choice is still being made: each
 * call waits for it. (The store writes localStorage synchronously
 * meanwhile.)
 */
export function deferredBacking(
  backing: Promise<ISeenBacking>
): Pick<ISeenStoreOptions, 'db' | 'remote'> {
  let chosen: ISeenBacking | null = null;
  void backing.then(b => (chosen = b));
  return {
    db: {
      // Known once the choice is made, which every call below awaits.
      get boundsItself() {
        return !!chosen?.db.boundsItself;
      },
      fetch: async id => (await backing).db.fetch(id),
      save: async (id, value) => (await backing).db.save(id, value),
      remove: async id => (await backing).db.remove(id),
      list: async namespace => (await backing).db.list(namespace),
      listPrefix: async prefix => listByPrefix((await backing).db, prefix)
    },
    remote: async () => {
      const { remote } = await backing;
      return remote ? remote() : undefined;
    }
  };
}
