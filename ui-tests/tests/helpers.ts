/**
 * Shared helpers for the end-to-end tests.
 */
import {
  expect,
  galata,
  type IJupyterLabPageFixture
} from '@jupyterlab/galata';
import type { APIRequestContext, Page, Request } from '@playwright/test';

/**
 * Galata's kernel and session mocks must stay off in these tests: its kernel
 * route (`/api/kernels(/<id>)?` with no end anchor) also captures
 * `POST /api/kernels/<id>/execute` and answers it itself, and its session
 * mock hides sessions started by other browser contexts, so a second browser
 * would start a new kernel instead of joining the running one.
 */
export const REAL_KERNELS = { kernels: null, sessions: null } as const;

/** Options for `galata.newPage` with the same real kernels and sessions. */
export const REAL_KERNELS_PAGE = {
  mockKernels: false,
  mockSessions: false
} as const;

/** The test fixtures `secondBrowser` needs. */
type NewPageFixtures = Pick<
  Parameters<typeof galata.newPage>[0],
  'browser' | 'tmpPath' | 'waitForApplication'
> & { baseURL?: string };

/**
 * JupyterLab in a second, independent browser (its own context, storage and
 * connection) on the same server, with real kernels and sessions.
 */
export async function secondBrowser(
  fixtures: NewPageFixtures
): Promise<IJupyterLabPageFixture> {
  const { page } = await galata.newPage({
    baseURL: fixtures.baseURL!,
    browser: fixtures.browser,
    tmpPath: fixtures.tmpPath,
    waitForApplication: fixtures.waitForApplication,
    ...REAL_KERNELS_PAGE
  });
  return page;
}

/** The fixtures `openInTwoBrowsers` needs. */
export type TwoBrowserFixtures = NewPageFixtures & {
  page: IJupyterLabPageFixture;
  tmpPath: string;
};

/**
 * A notebook of code cells written to `<tmpPath>/<name>` and open in A (the
 * test's page, which waits for its kernel) and in a second, independent
 * browser B, which opens it with `openB` (by default: open and activate it,
 * without waiting for its kernel).
 */
export async function openInTwoBrowsers(
  fixtures: TwoBrowserFixtures,
  name: string,
  cells: string[],
  openB: (b: IJupyterLabPageFixture, path: string) => Promise<void> = openTab
): Promise<{ path: string; b: IJupyterLabPageFixture }> {
  const { page, tmpPath } = fixtures;
  const path = `${tmpPath}/${name}`;
  await fillNotebook(page, tmpPath, name, cells);
  const b = await secondBrowser(fixtures);
  await openB(b, path);
  return { path, b };
}

/** Open a notebook and make it the current tab. */
export async function openTab(
  page: IJupyterLabPageFixture,
  path: string
): Promise<void> {
  await page.notebook.openByPath(path);
  await page.notebook.activate(path.split('/').pop()!);
}

/** The executor's request to the server (jupyter-server-nbmodel). */
export function isExecutePost(request: Request): boolean {
  return (
    request.method() === 'POST' &&
    /\/api\/(handoff\/)?kernels\/[^/]+\/execute(\?|$)/.test(request.url())
  );
}

/**
 * Collect the cells a page submits, one entry per cell in nbmodel's body
 * shape (`{code, metadata}`), in the order they left. A POST to our server
 * part's route carries several cells (a Run All): each is an entry.
 */
export function recordExecutePosts(page: Page): Array<Record<string, any>> {
  const posts: Array<Record<string, any>> = [];
  page.on('request', request => {
    if (!isExecutePost(request)) {
      return;
    }
    const body = request.postDataJSON();
    if (!Array.isArray(body?.cells)) {
      posts.push(body);
      return;
    }
    const { cells, ...common } = body;
    for (const { cell_id, code } of cells) {
      posts.push({ code, metadata: { ...common, cell_id } });
    }
  });
  return posts;
}

/**
 * The server's answer to each cell the page submits, in the order they
 * come: a POST carrying several cells counts once per cell.
 */
export function recordAcceptedCells(page: Page): number[] {
  const accepted: number[] = [];
  page.on('response', response => {
    const request = response.request();
    if (isExecutePost(request)) {
      const cells = request.postDataJSON()?.cells;
      const count = Array.isArray(cells) ? cells.length : 1;
      for (let i = 0; i < count; i++) {
        accepted.push(response.status());
      }
    }
  });
  return accepted;
}

/** The n-th cell of the active notebook. */
export function cell(page: Page, index: number) {
  return page
    .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')
    .nth(index);
}

/** The input prompt of the n-th cell, e.g. `[*]:` or `[3]:`. */
export function prompt(page: Page, index: number) {
  return cell(page, index).locator('.jp-InputPrompt');
}

/** The rendered outputs of the n-th cell, without their prompts. */
export function outputText(page: Page, index: number) {
  return cell(page, index).locator('.jp-OutputArea-output');
}

/** An nbformat 4.5 notebook of code cells. */
export function notebookJSON(sources: string[]): string {
  return JSON.stringify({
    cells: sources.map((source, index) => ({
      cell_type: 'code',
      id: `cell-${index}`,
      metadata: {},
      source,
      outputs: [],
      execution_count: null
    })),
    metadata: {
      kernelspec: {
        display_name: 'Python 3 (ipykernel)',
        language: 'python',
        name: 'python3'
      },
      language_info: { name: 'python' }
    },
    nbformat: 4,
    nbformat_minor: 5
  });
}

/**
 * Write a notebook of code cells to `<tmpPath>/<name>` and open it.
 *
 * The file is written under its final name: a notebook created as
 * Untitled.ipynb and renamed keeps a session on the old path, which another
 * browser would not find.
 */
export async function fillNotebook(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  name: string,
  sources: string[]
): Promise<void> {
  await page.contents.uploadContent(
    notebookJSON(sources),
    'text',
    `${tmpPath}/${name}`
  );
  await openNotebook(page, `${tmpPath}/${name}`);
}

/** Open a notebook and wait for its kernel to be idle. */
export async function openNotebook(
  page: IJupyterLabPageFixture,
  path: string
): Promise<void> {
  await openTab(page, path);
  await expect(
    page.locator(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator'
    )
  ).toHaveAttribute('data-status', 'idle', { timeout: 60000 });
  // The toolbar says idle before any kernel status came: wait for the
  // status bar's kernel item, or a cell run in the tab (stock execution)
  // right away can be dropped for want of a kernel.
  await expect(
    page.locator('#jp-main-statusbar').getByText(/\| Idle$/)
  ).toBeVisible({ timeout: 60000 });
}

/** Run one cell with the notebook's own command, without advancing. */
export async function runCell(page: IJupyterLabPageFixture, index: number) {
  await page.notebook.selectCells(index);
  // Fire and forget: the command resolves only when the cell completes.
  await page.evaluate(() => {
    void (window as any).jupyterapp.commands.execute('notebook:run-cell');
  });
}

/**
 * Run every cell with the notebook's own command (fire and forget: the
 * command resolves only when the last cell completes).
 */
export async function runAll(page: Page): Promise<void> {
  await page.evaluate(() => {
    void (window as any).jupyterapp.commands.execute('notebook:run-all-cells');
  });
}

/** Wait until a cell finished with a count. */
export async function waitForCount(page: Page, index: number, timeout = 60000) {
  await expect(prompt(page, index)).toHaveText(/^\[\d+\]:$/, { timeout });
}

/** The kernel id of the active notebook. */
export async function activeKernelId(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      (window as any).jupyterapp.shell.currentWidget.sessionContext.session
        .kernel.id
  );
}

/** Count the execute_request messages a page sends on kernel websockets. */
export function recordWebsocketExecuteRequests(page: Page): { count: number } {
  const seen = { count: 0 };
  page.on('websocket', socket => {
    socket.on('framesent', frame => {
      const payload =
        typeof frame.payload === 'string'
          ? frame.payload
          : frame.payload.toString('latin1');
      if (payload.includes('"msg_type":"execute_request"')) {
        seen.count++;
      }
    });
  });
  return seen;
}

/** The text of the notifications currently shown. */
export function notifications(page: Page) {
  return page.locator('.Toastify__toast');
}

/** Wait until the server lists no execution for the kernel. */
export async function waitForServerIdle(
  request: APIRequestContext,
  kernelId: string
): Promise<void> {
  await expect
    .poll(
      async () => {
        const reply = await request.get(`/api/kernels/${kernelId}/execute`);
        return (await reply.json()).requests.length;
      },
      { timeout: 60000 }
    )
    .toBe(0);
}

/**
 * Every browser's "while you were away" records the server holds (id to
 * record): on our server part's route, and any kept in the workspace (as
 * a page without the route keeps them).
 */
export async function seenRecordsOnServer(
  request: APIRequestContext
): Promise<Record<string, any>> {
  const ns = 'jupyterlab-handoff-seen:';
  const records: Record<string, any> = {};
  const route = await request.get(
    `/api/handoff/seen?prefix=${encodeURIComponent(ns)}`
  );
  if (route.ok()) {
    const { ids, values } = await route.json();
    ids.forEach((id: string, i: number) => (records[id] = values[i]));
  }
  const workspace = await request.get('/lab/api/workspaces/default');
  const data = (await workspace.json()).data ?? {};
  for (const [id, value] of Object.entries(data)) {
    if (id.startsWith(ns) && !(id in records)) {
      records[id] = value;
    }
  }
  return records;
}
