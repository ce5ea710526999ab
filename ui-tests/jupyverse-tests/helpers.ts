/**
 * Helpers for the jupyverse browser tests (plain Playwright pages).
 */
import { expect, type Page } from '@playwright/test';

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

/** Open a notebook and wait until its kernel is idle. */
export async function openNotebook(page: Page, path: string): Promise<void> {
  await page.goto(`/lab/tree/${path}`);
  await expect(page.locator('.jp-Notebook .jp-Cell').first()).toBeVisible({
    timeout: 60000
  });
  await expect(
    page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
  ).toBeAttached({ timeout: 60000 });
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
