/**
 * The record one browser keeps of one notebook, and the pure functions the
 * seen store reads, merges and bounds records with. No storage, no DOM.
 */
import type { ICellSnapshot, INotebookSnapshot } from './snapshot';

/**
 * The state database namespace (no `:`, as `IStateDB.list` requires).
 */
export const SEEN_NAMESPACE = 'jupyterlab-handoff-seen';

/**
 * One cell as a browser last saw it:
 * `[count, running (0/1), outputs fingerprint, unseen (0/1), seen changing at]`.
 */
export type SeenCell = [number | null, 0 | 1, string, 0 | 1, number];

/**
 * What one browser last saw of one notebook.
 */
export interface ISeenRecord {
  v: 2;
  /** The browser that wrote it. */
  browser: string;
  /** The notebook's path (without its drive). */
  path: string;
  /** When it was written (ms since the epoch). */
  takenAt: number;
  cells: Record<string, SeenCell>;
}

/**
 * The state database id of a notebook's record for a browser.
 */
export function recordId(path: string, browser: string): string {
  return `${notebookPrefix(path)}${browser}`;
}

/** What the ids of a notebook's records (one per browser) start with. */
export function notebookPrefix(path: string): string {
  return `${SEEN_NAMESPACE}:${encodeURIComponent(path)}:`;
}

/**
 * This browser's new record: each cell keeps the time it was last seen
 * changing, unless it changed now.
 */
export function toRecord(
  previous: ISeenRecord | null,
  snapshot: INotebookSnapshot,
  browser: string,
  path: string,
  now: number,
  maxCells = 400
): ISeenRecord {
  const unseen = new Set(snapshot.unseen);
  let cells: Array<[string, SeenCell]> = Object.entries(snapshot.cells).map(
    ([id, cell]) => {
      const next: SeenCell = [
        cell.count,
        cell.running ? 1 : 0,
        cell.outputs,
        unseen.has(id) ? 1 : 0,
        now
      ];
      const before = previous?.cells[id];
      if (
        before &&
        before[0] === next[0] &&
        before[1] === next[1] &&
        before[2] === next[2] &&
        before[3] === next[3]
      ) {
        next[4] = before[4];
      }
      return [id, next];
    }
  );
  if (cells.length > maxCells) {
    cells = [...cells].sort((a, b) => b[1][4] - a[1][4]).slice(0, maxCells);
    const kept = new Set(cells.map(([id]) => id));
    // Keep the notebook's order.
    cells = Object.keys(snapshot.cells)
      .filter(id => kept.has(id))
      .map(id => [id, cells.find(([cid]) => cid === id)![1]]);
  }
  const kept: Record<string, SeenCell> = {};
  for (const [id, cell] of cells) {
    kept[id] = cell;
  }
  return { v: 2, browser, path, takenAt: now, cells: kept };
}

/**
 * Whether two records hold the same cells (the time of writing aside).
 */
export function sameCells(a: ISeenRecord | null, b: ISeenRecord): boolean {
  if (!a) {
    return false;
  }
  const ids = Object.keys(b.cells);
  if (ids.length !== Object.keys(a.cells).length) {
    return false;
  }
  return ids.every(id => {
    const x = a.cells[id];
    const y = b.cells[id];
    return !!x && x.every((value, i) => value === y[i]);
  });
}

/**
 * What the user saw of a notebook, merged from every browser's record: each
 * cell from the record that saw it change last. Null when there is none.
 */
export function mergeRecords(
  records: readonly ISeenRecord[]
): INotebookSnapshot | null {
  if (records.length === 0) {
    return null;
  }
  const chosen = new Map<string, { cell: SeenCell; takenAt: number }>();
  for (const record of records) {
    for (const [id, cell] of Object.entries(record.cells)) {
      const best = chosen.get(id);
      if (
        !best ||
        cell[4] > best.cell[4] ||
        (cell[4] === best.cell[4] && record.takenAt > best.takenAt)
      ) {
        chosen.set(id, { cell, takenAt: record.takenAt });
      }
    }
  }
  const cells: Record<string, ICellSnapshot> = {};
  const unseen: string[] = [];
  for (const [id, { cell }] of chosen) {
    cells[id] = { count: cell[0], running: cell[1] === 1, outputs: cell[2] };
    if (cell[3] === 1) {
      unseen.push(id);
    }
  }
  return {
    version: 1,
    takenAt: Math.max(...records.map(r => r.takenAt)),
    cells,
    unseen
  };
}

/**
 * Read a record back; null for anything else. Invalid cells are dropped.
 */
export function parseRecord(value: unknown): ISeenRecord | null {
  let data = value;
  if (typeof value === 'string') {
    try {
      data = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (
    !isObject(data) ||
    data.v !== 2 ||
    typeof data.browser !== 'string' ||
    typeof data.path !== 'string' ||
    typeof data.takenAt !== 'number' ||
    !Number.isFinite(data.takenAt) ||
    !isObject(data.cells)
  ) {
    return null;
  }
  const cells: Record<string, SeenCell> = {};
  for (const [id, cell] of Object.entries(data.cells)) {
    if (
      Array.isArray(cell) &&
      cell.length === 5 &&
      (cell[0] === null || typeof cell[0] === 'number') &&
      (cell[1] === 0 || cell[1] === 1) &&
      typeof cell[2] === 'string' &&
      (cell[3] === 0 || cell[3] === 1) &&
      typeof cell[4] === 'number'
    ) {
      cells[id] = cell as SeenCell;
    }
  }
  return {
    v: 2,
    browser: data.browser,
    path: data.path,
    takenAt: data.takenAt,
    cells
  };
}

/**
 * Which records to drop to stay within the bounds, oldest first; this
 * browser's record of `path` (just written) is never among them.
 */
export function overBounds(
  records: ReadonlyArray<{ id: string; record: ISeenRecord }>,
  keep: string,
  maxBrowsers: number,
  maxRecords: number
): string[] {
  const drop = new Set<string>();
  const byAge = [...records].sort(
    (a, b) => a.record.takenAt - b.record.takenAt
  );
  const perPath = new Map<string, number>();
  for (const { record } of records) {
    perPath.set(record.path, (perPath.get(record.path) ?? 0) + 1);
  }
  for (const { id, record } of byAge) {
    const count = perPath.get(record.path)!;
    if (id !== keep && count > maxBrowsers) {
      drop.add(id);
      perPath.set(record.path, count - 1);
    }
  }
  let left = records.length - drop.size;
  for (const { id } of byAge) {
    if (left <= maxRecords) {
      break;
    }
    if (id !== keep && !drop.has(id)) {
      drop.add(id);
      left--;
    }
  }
  return [...drop];
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A snapshot an older build kept in localStorage, as this browser's record
 * (every cell seen at the snapshot's time).
 */
export function fromLegacy(
  text: string | null,
  browser: string,
  path: string
): ISeenRecord | null {
  if (!text) {
    return null;
  }
  try {
    const data = JSON.parse(text);
    if (
      !isObject(data) ||
      data.version !== 1 ||
      typeof data.takenAt !== 'number' ||
      !isObject(data.cells)
    ) {
      return null;
    }
    const unseen = new Set(
      Array.isArray(data.unseen) ? (data.unseen as unknown[]) : []
    );
    const cells: Record<string, SeenCell> = {};
    for (const [id, cell] of Object.entries(data.cells)) {
      if (
        isObject(cell) &&
        (cell.count === null || typeof cell.count === 'number') &&
        typeof cell.running === 'boolean' &&
        typeof cell.outputs === 'string'
      ) {
        cells[id] = [
          cell.count as number | null,
          cell.running ? 1 : 0,
          cell.outputs,
          unseen.has(id) ? 1 : 0,
          data.takenAt
        ];
      }
    }
    return { v: 2, browser, path, takenAt: data.takenAt, cells };
  } catch {
    return null;
  }
}

/** The newer of two records. */
export function newest(
  a: ISeenRecord | null,
  b: ISeenRecord | null
): ISeenRecord | null {
  if (!a || !b) {
    return a ?? b;
  }
  return b.takenAt > a.takenAt ? b : a;
}
