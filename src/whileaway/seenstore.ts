/**
 * What the user has seen of each notebook, for every browser of that user:
 * the "while you were away" snapshots kept on the server, by our server
 * part's route when there is one, or else in JupyterLab's state database
 * (`IStateDB`), which the server keeps per workspace (see `seenserver.ts`).
 *
 * - One record per notebook and browser: a browser writes only its own.
 *   On the server route nothing else touches it; in the state database,
 *   which JupyterLab saves whole, a page pulls the server's copy first, but
 *   a page that saves between another's write and its next pull puts the
 *   older copy back (so the route is preferred). Reading merges
 *   them cell by cell: each cell is taken from the browser that saw it
 *   change last (a per-cell time), so a cell seen in one browser is not
 *   marked again because another browser, open meanwhile, still lists it.
 * - This browser's record is also written synchronously to `localStorage`
 *   (when there is one): the server's copy is written a moment later, and
 *   a tab can close at any time.
 * - Bounded: at most `maxCells` cells per record (those seen changing last),
 *   `maxBrowsers` records per notebook and `maxRecords` in all (the oldest
 *   go first); a backing that bounds itself (the server route) keeps the
 *   bound in all.
 * - Nothing of it is written into the notebook.
 *
 * The storage is injected; no DOM.
 */
import {
  fromLegacy,
  isObject,
  type ISeenRecord,
  mergeRecords,
  newest,
  overBounds,
  notebookPrefix,
  parseRecord,
  recordId,
  sameCells,
  SEEN_NAMESPACE,
  toRecord
} from './seenrecords';
import type { INotebookSnapshot } from './snapshot';

export * from './seenrecords';

/**
 * The subset of JupyterLab's `IStateDB` the store uses (also implemented by
 * the server route's `SeenServerDB`).
 */
export interface ISeenStateDB {
  fetch(id: string): Promise<unknown>;
  save(id: string, value: any): Promise<void>;
  remove(id: string): Promise<void>;
  /** Every entry whose id is `namespace:...`. */
  list(namespace: string): Promise<{ ids: string[]; values: unknown[] }>;
  /**
   * Every entry whose id starts with `prefix`, where the backing can ask
   * for just those (our server route); `list` and a filter otherwise.
   */
  listPrefix?(prefix: string): Promise<{ ids: string[]; values: unknown[] }>;
  /**
   * The backing drops its own least recently written entries beyond its
   * bound (our server route: `c.HandoffSeen.max_records`). The store then
   * bounds only each notebook's browsers, from that notebook's records, and
   * never lists every record.
   */
  readonly boundsItself?: boolean;
}

/**
 * The entries whose id starts with `prefix`: asked for alone when the
 * backing can, else filtered from its namespace.
 */
export async function listByPrefix(
  db: ISeenStateDB,
  prefix: string
): Promise<{ ids: string[]; values: unknown[] }> {
  if (db.listPrefix) {
    return db.listPrefix(prefix);
  }
  const { ids, values } = await db.list(SEEN_NAMESPACE);
  const keep = ids.map(id => id.startsWith(prefix));
  return {
    ids: ids.filter((_, i) => keep[i]),
    values: values.filter((_, i) => keep[i])
  };
}

/**
 * The subset of `Storage` (localStorage) the store uses.
 */
export interface ISeenLocalStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The localStorage key of this browser's id. */
export const BROWSER_ID_KEY = 'jupyterlab-handoff-browser';

/** Where builds before 0.3 kept this browser's snapshot (localStorage). */
export const LEGACY_LOCAL_PREFIX = '@jupyterlab-handoff/extension:seen:';

export interface ISeenStoreOptions {
  db: ISeenStateDB;
  /** localStorage, or null when the browser refuses it. */
  local: ISeenLocalStorage | null;
  /** This browser's id (see `browserId`). */
  browser: string;
  now?: () => number;
  /** Cells kept per record; 400 by default. */
  maxCells?: number;
  /** Browsers kept per notebook; 6 by default. */
  maxBrowsers?: number;
  /** Records kept in all; 40 by default (unless the backing bounds itself). */
  maxRecords?: number;
  /**
   * The server's copy of the state (the workspace's `data`: id to value),
   * read before each read and write. JupyterLab saves the whole state
   * database at once, so a browser whose copy predates another browser's
   * last write would put the older record back, or drop a new one: pulling
   * the server's records first keeps them (see `workspaceReader`).
   */
  remote?: () => Promise<unknown>;
  /**
   * Pull the server's copy before a write at most this often (ms; reads
   * always pull). 5000 by default: a notebook printing fast is saved a few
   * times a second.
   */
  pullIntervalMs?: number;
}

/**
 * The id of this browser, kept in localStorage; a new one when there is
 * none (or no localStorage: then every page load counts as a new browser).
 */
export function browserId(
  local: ISeenLocalStorage | null,
  random: () => string
): string {
  try {
    const known = local?.getItem(BROWSER_ID_KEY);
    if (known && /^[A-Za-z0-9-]{8,64}$/.test(known)) {
      return known;
    }
  } catch {
    // Denied: fall through.
  }
  const id =
    random()
      .replace(/[^A-Za-z0-9-]/g, '')
      .slice(0, 64) || 'page';
  try {
    local?.setItem(BROWSER_ID_KEY, id);
  } catch {
    // Denied or full: this page keeps the id to itself.
  }
  return id;
}

/**
 * The per-user "seen" store.
 */
export class SeenStore {
  constructor(options: ISeenStoreOptions) {
    this._db = options.db;
    this._local = options.local;
    this._browser = options.browser;
    this._now = options.now ?? Date.now;
    this._maxCells = options.maxCells ?? 400;
    this._maxBrowsers = options.maxBrowsers ?? 6;
    this._maxRecords = options.maxRecords ?? 40;
    this._remote = options.remote ?? null;
    this._pullInterval = options.pullIntervalMs ?? 5000;
  }

  /** This browser's id. */
  get browser(): string {
    return this._browser;
  }

  /**
   * What the user saw of a notebook, across their browsers (null: never
   * seen, or nothing readable).
   */
  async read(path: string): Promise<INotebookSnapshot | null> {
    await this._pull();
    // Only this notebook's records: a notebook opens far more often than
    // the store holds records (up to `maxRecords`, each up to `maxCells`).
    const records = (await this._records(path)).filter(
      r => r.record.path === path
    );
    const others = records
      .map(r => r.record)
      .filter(record => record.browser !== this._browser);
    const own = newest(
      records.find(r => r.record.browser === this._browser)?.record ?? null,
      this._readLocal(path)
    );
    return mergeRecords(own ? [own, ...others] : others);
  }

  /**
   * Save what this browser sees of a notebook now. The state database is
   * written only when a cell changed since the last write.
   */
  async write(path: string, snapshot: INotebookSnapshot): Promise<void> {
    const previous = this._written.get(path) ?? this._readLocal(path);
    const record = toRecord(
      previous,
      snapshot,
      this._browser,
      path,
      this._now(),
      this._maxCells
    );
    // localStorage first and synchronously: the tab may close any moment.
    this._writeLocal(path, record);
    if (sameCells(this._written.get(path) ?? null, record)) {
      return;
    }
    this._written.set(path, record);
    // One write at a time, in order: an older record never lands last.
    const done = this._queue.then(() => this._save(path, record));
    this._queue = done.catch(() => undefined);
    return done;
  }

  private async _save(path: string, record: ISeenRecord): Promise<void> {
    if (this._written.get(path) !== record) {
      // A newer record of this notebook is queued behind: it will do.
      return;
    }
    if (this._now() - this._pulledAt >= this._pullInterval) {
      await this._pull();
    }
    const id = recordId(path, this._browser);
    await this._db.save(id, record);
    // Records are added only by a browser's first write of a notebook:
    // that is when the bounds can be crossed (and the one time this page
    // lists the records to check them: that notebook's, or every one when
    // the backing keeps no bound of its own).
    if (this._bounded.has(id)) {
      return;
    }
    this._bounded.add(id);
    const boundsItself = !!this._db.boundsItself;
    const records = await this._records(boundsItself ? path : undefined);
    for (const drop of overBounds(
      records,
      id,
      this._maxBrowsers,
      boundsItself ? Infinity : this._maxRecords
    )) {
      await this._db.remove(drop);
    }
  }

  /**
   * Follow a renamed notebook: every browser's record moves to the new path.
   */
  async rename(oldPath: string, newPath: string): Promise<void> {
    if (oldPath === newPath) {
      return;
    }
    for (const { id, record } of await this._records()) {
      if (record.path === oldPath) {
        await this._db.save(recordId(newPath, record.browser), {
          ...record,
          path: newPath
        });
        await this._db.remove(id);
      }
    }
    const own = this._readLocal(oldPath);
    if (own) {
      this._writeLocal(newPath, { ...own, path: newPath });
      this._removeLocal(oldPath);
    }
    const written = this._written.get(oldPath);
    this._written.delete(oldPath);
    if (written) {
      this._written.set(newPath, { ...written, path: newPath });
    }
  }

  /**
   * Take the other browsers' records from the server's copy into this
   * page's state database. Call it when this page's state changes for
   * another reason: JupyterLab is about to save the whole workspace, and
   * without them it would put back older records (or none).
   */
  async sync(): Promise<void> {
    await this._pull();
  }

  /**
   * Take the other browsers' records from the server's copy when they are
   * newer than ours (or we lack them).
   */
  private async _pull(): Promise<void> {
    if (!this._remote) {
      return;
    }
    let data: unknown;
    this._pulledAt = this._now();
    try {
      data = await this._remote();
    } catch {
      // The server cannot be asked now: our copy will do.
      return;
    }
    if (!isObject(data)) {
      return;
    }
    for (const [id, value] of Object.entries(data)) {
      if (!id.startsWith(`${SEEN_NAMESPACE}:`)) {
        continue;
      }
      const record = parseRecord(value);
      if (!record || record.browser === this._browser) {
        continue;
      }
      const ours = parseRecord(await this._db.fetch(id));
      if (!ours || record.takenAt > ours.takenAt) {
        await this._db.save(id, record);
      }
    }
  }

  /** Every record, or (with `path`) that notebook's. */
  private async _records(
    path?: string
  ): Promise<Array<{ id: string; record: ISeenRecord }>> {
    const { ids, values } =
      path === undefined
        ? await this._db.list(SEEN_NAMESPACE)
        : await listByPrefix(this._db, notebookPrefix(path));
    const result: Array<{ id: string; record: ISeenRecord }> = [];
    ids.forEach((id, i) => {
      const record = parseRecord(values[i]);
      if (record) {
        result.push({ id, record });
      }
    });
    return result;
  }

  private _readLocal(path: string): ISeenRecord | null {
    try {
      const stored = parseRecord(this._local?.getItem(localKey(path)) ?? null);
      if (stored) {
        return stored;
      }
      return fromLegacy(
        this._local?.getItem(LEGACY_LOCAL_PREFIX + path) ?? null,
        this._browser,
        path
      );
    } catch {
      return null;
    }
  }

  private _writeLocal(path: string, record: ISeenRecord): void {
    try {
      this._local?.setItem(localKey(path), JSON.stringify(record));
    } catch {
      // Full or denied: the state database still has it.
    }
  }

  private _removeLocal(path: string): void {
    try {
      this._local?.removeItem(localKey(path));
    } catch {
      // Denied.
    }
  }

  private _db: ISeenStateDB;
  private _local: ISeenLocalStorage | null;
  private _browser: string;
  private _now: () => number;
  private _maxCells: number;
  private _maxBrowsers: number;
  private _maxRecords: number;
  private _remote: (() => Promise<unknown>) | null;
  private _pullInterval: number;
  private _pulledAt = -Infinity;
  private _queue: Promise<void> = Promise.resolve();
  private _written = new Map<string, ISeenRecord>();
  private _bounded = new Set<string>();
}

function localKey(path: string): string {
  return `${SEEN_NAMESPACE}:${path}`;
}
