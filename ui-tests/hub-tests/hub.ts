/**
 * Helpers for the hub suite (playwright.hub.config.js): log in through the
 * hub, open notebooks in the user's server, ask the hub about servers.
 */
import { expect } from '@playwright/test';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { readSavedNotebook } from '../tests/savednotebook';

export const HUB = `http://127.0.0.1:${process.env.HANDOFF_HUB_PORT_BASE}`;
export const HUB_DIR = process.env.HANDOFF_HUB_DIR!;
export const CULL_TIMEOUT = Number(process.env.HANDOFF_HUB_CULL_TIMEOUT);
const PASSWORD = process.env.HANDOFF_HUB_PASSWORD!;
const API_TOKEN = process.env.HANDOFF_HUB_API_TOKEN!;

/** The user's home directory, the root of the user's Jupyter server. */
export function home(user: string): string {
  return path.join(HUB_DIR, 'home', user);
}

/** A code-only nbformat 4.5 notebook, written into the user's home. */
export function writeNotebook(user: string, name: string, sources: string[]) {
  fs.mkdirSync(home(user), { recursive: true });
  fs.writeFileSync(
    path.join(home(user), name),
    JSON.stringify({
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
    })
  );
}

/** The notebook as saved on disk by the user's server. */
export function readNotebook(user: string, name: string): any {
  return readSavedNotebook(path.join(home(user), name));
}

/**
 * The outputs of a cell in the notebook on disk, with nbformat's
 * multi-line strings joined.
 */
export function savedOutputs(user: string, name: string, index = 0): any[] {
  return readNotebook(user, name).cells[index].outputs.map((output: any) =>
    Array.isArray(output.text)
      ? { ...output, text: output.text.join('') }
      : output
  );
}

/**
 * A new browser context logged in through the hub's login page, with the
 * notebook open in the user's JupyterLab (`/user/<name>/lab/tree/<file>`)
 * and its kernel idle.
 */
export async function loginAndOpen(
  browser: Browser,
  user: string,
  notebook: string,
  onPage?: (page: Page) => void
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  // The page's warnings and errors go to the test's output.
  page.on('console', message => {
    if (message.type() === 'error' || message.type() === 'warning') {
      console.log(`[${user} page ${message.type()}] ${message.text()}`);
    }
  });
  onPage?.(page);
  const next = `/hub/user-redirect/lab/tree/${notebook}`;
  await page.goto(`${HUB}/hub/login?next=${encodeURIComponent(next)}`);
  await page.locator('#username_input').fill(user);
  await page.locator('#password_input').fill(PASSWORD);
  await page.locator('#login_submit').click();
  // The hub spawns the server if needed, then the server's OAuth login
  // brings the page to JupyterLab.
  await page.waitForURL(`${HUB}/user/${user}/lab/tree/${notebook}`, {
    timeout: 90000
  });
  await expect(
    page.locator(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator'
    )
  ).toHaveAttribute('data-status', 'idle', { timeout: 90000 });
  // The toolbar says idle before any kernel status came: wait for the
  // status bar's kernel item, or a cell run in the tab (stock execution)
  // right away can be dropped for want of a kernel.
  await expect(
    page.locator('#jp-main-statusbar').getByText(/\| Idle$/)
  ).toBeVisible({ timeout: 90000 });
  return { context, page };
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

/** The rendered outputs of the n-th cell. */
export function outputText(page: Page, index: number) {
  return cell(page, index).locator('.jp-OutputArea-output');
}

/** Run one cell with the notebook's own command, without advancing. */
export async function runCell(page: Page, index: number) {
  // The command is a no-op until the notebook is the shell's current widget,
  // which can come a moment after the kernel turned idle; and the document
  // and the session must be ready, with the kernel connected (the session
  // is still being patched right after the page opens).
  await page.waitForFunction(() => {
    const app = (window as any).jupyterapp;
    const panel = app.shell.currentWidget;
    const kernel = panel?.sessionContext?.session?.kernel;
    return (
      panel?.context?.isReady &&
      panel.sessionContext.isReady &&
      kernel?.connectionStatus === 'connected' &&
      kernel?.status === 'idle' &&
      panel.content.model?.cells?.length > 0 &&
      app.commands.isEnabled('notebook:run-cell')
    );
  });
  await page.evaluate(index => {
    const app = (window as any).jupyterapp;
    app.shell.currentWidget.content.activeCellIndex = index;
    // Fire and forget: the command resolves only when the cell completes.
    void app.commands.execute('notebook:run-cell');
  }, index);
}

/** Wait until a cell finished with a count. */
export async function waitForCount(page: Page, index: number, timeout = 60000) {
  await expect(prompt(page, index)).toHaveText(/^\[\d+\]:$/, { timeout });
}

/** The outputs of a cell in the page's notebook model. */
export async function modelOutputs(page: Page, index: number): Promise<any> {
  return page.evaluate(
    index =>
      (window as any).jupyterapp.shell.currentWidget.content.model.cells
        .get(index)
        .toJSON().outputs,
    index
  );
}

/** The hub's REST API, as the tests' own service. */
export async function hubApi(apiPath: string): Promise<any> {
  const reply = await fetch(`${HUB}/hub/api${apiPath}`, {
    headers: { Authorization: `token ${API_TOKEN}` }
  });
  if (!reply.ok) {
    throw new Error(`hub API ${apiPath}: ${reply.status}`);
  }
  return reply.json();
}

/** Whether the user's default server is running, as the hub says. */
export async function serverRunning(user: string): Promise<boolean> {
  const model = await hubApi(`/users/${user}`);
  return Boolean(model.servers?.['']?.ready);
}

/** The single-user server's own log (stdout and stderr). */
export function serverLog(user: string): string {
  return fs.readFileSync(path.join(HUB_DIR, 'logs', `${user}.log`), 'utf-8');
}

/** The hub API token the single-user server was started with. */
export function serverToken(user: string): string {
  return fs.readFileSync(path.join(HUB_DIR, 'tokens', user), 'utf-8');
}

/** Sleep, for polling loops that must not touch the user's server. */
export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}
