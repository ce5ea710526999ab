/**
 * The whole handoff on jupyverse from the notebook UI: cells go to our
 * queue module (Shift+Enter, Run All), token auth on, plain Playwright
 * pages, every browser its own context.
 */
import { expect, test } from '@playwright/test';
import {
  handoffPosts,
  login,
  marks,
  newBrowser,
  openNotebook,
  output,
  prompt,
  runAll,
  statusItem,
  writeNotebook
} from './helpers';

test('Shift+Enter runs the cell through the server queue', async ({ page }) => {
  await login(page);
  await writeNotebook(page, 'ui-run.ipynb', ['6 * 7']);
  const posts = handoffPosts(page);
  await openNotebook(page, 'ui-run.ipynb');
  await page.locator('.jp-Notebook .jp-Cell').first().click();
  await page.keyboard.press('Shift+Enter');
  await expect(output(page, 0)).toHaveText('42');
  await expect(prompt(page, 0)).toHaveText('[1]:');
  expect(posts.length).toBe(1);
});

test('an edit typed just before Shift+Enter runs the new source', async ({
  page
}) => {
  await login(page);
  await writeNotebook(page, 'ui-edit.ipynb', ["print('old')"]);
  await openNotebook(page, 'ui-edit.ipynb');
  const editor = page
    .locator('.jp-Notebook .jp-Cell')
    .first()
    .locator('.cm-content');
  await editor.click();
  await page.keyboard.press('Control+a');
  await page.keyboard.type("print('new')");
  await page.keyboard.press('Shift+Enter');
  await expect(output(page, 0)).toHaveText('new');
});

test('the status item and cell marks in two browsers: 1 running, the rest queued, counting down', async ({
  browser
}) => {
  const a = await (await browser.newContext()).newPage();
  await login(a);
  // Each cell waits for its own file: the test lets one cell end at a time,
  // so every count is seen in both browsers however slow the machine is.
  await writeNotebook(
    a,
    'ui-indicator.ipynb',
    Array.from(
      { length: 4 },
      (_, i) =>
        `import pathlib, time\nwhile not pathlib.Path('ui-go-${i}').exists(): time.sleep(0.1)`
    )
  );
  const release = async (i: number) => {
    const made = await a.request.put(`/api/contents/ui-go-${i}`, {
      data: { path: `ui-go-${i}`, type: 'file', format: 'text', content: '' }
    });
    expect(made.ok()).toBe(true);
  };
  await openNotebook(a, 'ui-indicator.ipynb');
  const b = await newBrowser(browser, 'ui-indicator.ipynb');
  await runAll(a);
  for (const page of [a, b]) {
    await expect(statusItem(page)).toHaveText('1 running · 3 queued on server');
    await expect(marks(page, 'running')).toHaveCount(1);
    await expect(marks(page, 'queued')).toHaveCount(3);
  }
  for (const queued of [2, 1]) {
    await release(2 - queued);
    for (const page of [a, b]) {
      await expect(statusItem(page)).toHaveText(
        `1 running · ${queued} queued on server`,
        { timeout: 15000 }
      );
    }
  }
  await release(2);
  await release(3);
  for (const page of [a, b]) {
    await expect(statusItem(page)).toHaveText('Server idle', {
      timeout: 30000
    });
    await expect(prompt(page, 3)).toHaveText('[4]:');
  }
  await a.context().close();
  await b.context().close();
});

test('a cell that calls input() fails at once with a readable message; the cells after it do not run', async ({
  page
}) => {
  await login(page);
  await writeNotebook(page, 'ui-input.ipynb', [
    "name = input('name? ')",
    "print('after')"
  ]);
  await openNotebook(page, 'ui-input.ipynb');
  await runAll(page);
  await expect(output(page, 0)).toContainText('StdinNotImplementedError', {
    timeout: 30000
  });
  await expect(prompt(page, 0)).toHaveText('[1]:');
  await expect(
    page
      .locator('.Toastify__toast')
      .filter({ hasText: 'cells run on the server cannot get on jupyverse' })
  ).toHaveCount(1);
  await expect(prompt(page, 1)).toHaveText('[ ]:');
  await expect(output(page, 1)).toHaveCount(0);
});

test('the setting turned off in the Settings Editor sends the next run through the kernel websocket', async ({
  page
}) => {
  await login(page);
  await writeNotebook(page, 'ui-setting.ipynb', ['6 * 7']);
  await page.keyboard.press('Control+,');
  await page.getByText('Server-side execution (Handoff)').first().click();
  const toggle = page.getByLabel('Run cells on the server').first();
  const saved = page.waitForResponse(
    r => r.request().method() === 'PUT' && r.url().includes('server-execution')
  );
  await toggle.uncheck();
  expect((await saved).ok()).toBe(true);
  const posts = handoffPosts(page);
  const frames: string[] = [];
  page.on('websocket', ws => {
    if (ws.url().includes('/api/kernels/')) {
      ws.on('framesent', f => {
        if (f.payload.toString().includes('execute_request')) {
          frames.push('execute_request');
        }
      });
    }
  });
  await openNotebook(page, 'ui-setting.ipynb');
  await page.locator('.jp-Notebook .jp-Cell').first().click();
  await page.keyboard.press('Shift+Enter');
  await expect(output(page, 0)).toHaveText('42');
  expect(posts).toEqual([]);
  expect(frames).toEqual(['execute_request']);
  // Back on for the other tests.
  const stored = await page.request.put(
    '/lab/api/settings/@jupyterlab-handoff/extension:server-execution',
    { data: { raw: '{}' } }
  );
  expect(stored.status()).toBe(204);
});
