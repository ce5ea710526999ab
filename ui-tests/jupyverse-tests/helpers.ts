/**
 * Helpers for the jupyverse browser tests (plain Playwright pages).
 */
import { expect, type Browser, type Page } from '@playwright/test';

export const TOKEN = process.env.HANDOFF_JUPYVERSE_TOKEN!;

/**
 * Log in as a user opening the printed URL: `?token=` sets the session
 * cookie, which authenticates every later request.
 */
export async function login(page: Page): Promise<void> {
  await page.goto(`/?token=${TOKEN}`);
  await expect(page.locator('#jp-main-dock-panel')).toBeVisible({
    timeout: 60000
  });
}

/** A code cell of a notebook file. */
export function codeCell(id: string, source: string): Record<string, unknown> {
  return {
    cell_type: 'code',
    id,
    metadata: {},
    outputs: [],
    execution_count: null,
    source
  };
}

/** Write a notebook through jupyverse's contents API (the page's cookie). */
export async function writeNotebook(
  page: Page,
  path: string,
  sources: string[]
): Promise<void> {
  const response = await page.request.put(`/api/contents/${path}`, {
    data: {
      path,
      type: 'notebook',
      format: 'json',
      content: {
        cells: sources.map((s, i) => codeCell(`c${i}`, s)),
        metadata: {
          kernelspec: {
            name: 'python3',
            display_name: 'Python 3',
            language: 'python'
          }
        },
        nbformat: 4,
        nbformat_minor: 5
      }
    }
  });
  expect(response.ok()).toBe(true);
}

/**
 * Open a notebook and wait until its kernel is connected and idle.
 *
 * The notebook toolbar's execution indicator says `idle` from the moment
 * the notebook is shown, before any kernel status arrived: a cell run then
 * in the tab (the setting off) found no kernel yet and was dropped. The
 * status bar's kernel item shows the session's real state ("No Kernel |
 * Initializing" while jupyverse still starts the kernel). Each test's page
 * has one notebook open, so the status bar speaks of it.
 */
export async function openNotebook(page: Page, path: string): Promise<void> {
  await page.goto(`/lab/tree/${path}`);
  await expect(page.locator('.jp-Notebook .jp-Cell').first()).toBeVisible({
    timeout: 60000
  });
  await expect(
    page.locator('#jp-main-statusbar').getByText(/^Python 3 .*\| Idle$/)
  ).toBeVisible({ timeout: 60000 });
}

/** The prompt text of the `index`-th cell, e.g. `[1]:`. */
export function prompt(page: Page, index: number) {
  return page
    .locator('.jp-Notebook .jp-Cell')
    .nth(index)
    .locator('.jp-InputArea-prompt');
}

/** The output text of the `index`-th cell. */
export function output(page: Page, index: number) {
  return page
    .locator('.jp-Notebook .jp-Cell')
    .nth(index)
    .locator('.jp-OutputArea-output');
}

/**
 * The kernel of an open notebook and its shared document's id, as a client
 * of our queue module needs them.
 */
export async function kernelAndDocument(
  page: Page,
  path: string
): Promise<{ kernel: string; document: string }> {
  let kernel = '';
  await expect(async () => {
    const sessions = await (await page.request.get('/api/sessions')).json();
    const session = sessions.find((s: { path: string }) => s.path === path);
    kernel = session?.kernel?.id ?? '';
    expect(kernel).not.toBe('');
  }).toPass({ timeout: 30000 });
  const room = await page.request.put(`/api/collaboration/session/${path}`, {
    data: { format: 'json', type: 'notebook' }
  });
  const fileId = (await room.json()).fileId;
  return { kernel, document: `json:notebook:${fileId}` };
}

/** Queue cells on the server through our module (the page's cookie). */
export async function submit(
  page: Page,
  kernel: string,
  document: string,
  cellIds: string[]
): Promise<string[]> {
  const response = await page.request.post(
    `/api/handoff/kernels/${kernel}/execute`,
    {
      data: {
        document_id: document,
        cells: cellIds.map(cell_id => ({ cell_id }))
      }
    }
  );
  expect(response.status()).toBe(202);
  return (await response.json()).requests.map(
    (r: { request_id: string }) => r.request_id
  );
}

/** Requests the page sends to the queue module's execute route. */
export function handoffPosts(page: Page): string[] {
  const posts: string[] = [];
  page.on('request', r => {
    if (r.method() === 'POST' && r.url().includes('/api/handoff/kernels/')) {
      posts.push(r.postData() ?? '');
    }
  });
  return posts;
}

export async function newBrowser(
  browser: Browser,
  path: string
): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await login(page);
  await openNotebook(page, path);
  return page;
}

export async function runAll(page: Page): Promise<void> {
  await page.getByRole('menuitem', { name: 'Run', exact: true }).click();
  await page
    .getByRole('menuitem', { name: 'Run All Cells', exact: true })
    .click();
}

export function marks(page: Page, state: string) {
  return page.locator(
    `.jp-Notebook .jp-handoff-CellBadge[data-state="${state}"]`
  );
}

export function statusItem(page: Page) {
  return page.locator('.jp-handoff-StatusItem');
}
