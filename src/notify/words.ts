/**
 * The words of run notices, for the in-app notification and the browser's.
 */
import type { IRunNotice } from './rules';

/**
 * The subset of a JupyterLab `TranslationBundle` used here.
 */
export interface INoticeTranslator {
  __(msgid: string, ...args: unknown[]): string;
  _n(msgid: string, msgidPlural: string, n: number, ...args: unknown[]): string;
}

/**
 * What the notice says: `title` is the notebook's name, `body` the news.
 */
export interface INoticeText {
  title: string;
  body: string;
  /** Both in one line, for the in-app notification. */
  message: string;
}

/**
 * The notice's words, e.g. "analysis.ipynb" / "Cell 4 finished after 0:12",
 * "Run All: 12 cells finished after 1:05", "Run All stopped: cell 7 failed
 * after 0:45", "Cell 3 is waiting for input".
 *
 * @param cellNumber - the cell's position in the notebook, from 1 (null if
 *   it is gone).
 */
export function noticeText(
  notice: IRunNotice,
  notebookName: string,
  cellNumber: number | null,
  trans: INoticeTranslator
): INoticeText {
  const cell =
    cellNumber === null ? trans.__('A cell') : trans.__('Cell %1', cellNumber);
  const elapsed = formatDuration(notice.durationMs);
  let body: string;
  switch (notice.kind) {
    case 'input':
      body = trans.__('%1 is waiting for input', cell);
      break;
    case 'failed':
      body = notice.batch
        ? trans.__(
            'Run All stopped: %1 failed after %2',
            cellNumber === null
              ? trans.__('a cell')
              : trans.__('cell %1', cellNumber),
            elapsed
          )
        : trans.__('%1 failed after %2', cell, elapsed);
      break;
    case 'finished':
      body = notice.batch
        ? trans._n(
            'Run All: %1 cell finished after %2',
            'Run All: %1 cells finished after %2',
            notice.cells,
            notice.cells,
            elapsed
          )
        : trans.__('%1 finished after %2', cell, elapsed);
      break;
  }
  return {
    title: notebookName,
    body,
    message: trans.__('%1: %2', notebookName, body)
  };
}

/**
 * A duration as m:ss, or h:mm:ss past an hour.
 */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}`
    : `${minutes}:${seconds}`;
}
