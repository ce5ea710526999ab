/**
 * The executor on the real stack: the settings toggle, Run All with an
 * error, and ordering under quick successive runs.
 */
import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import {
  REAL_KERNELS,
  cell,
  fillNotebook,
  notifications,
  outputText,
  prompt,
  recordExecutePosts,
  recordWebsocketExecuteRequests,
  runAll,
  runCell,
  waitForCount
} from './helpers';

test.use(REAL_KERNELS);

/** Whether the live setting says cells run on the server. */
function serverExecutionOn(page: Page): Promise<boolean> {
  return page.evaluate(() =>
    (window as any).jupyterapp.commands.isToggled(
      'handoff:toggle-server-execution'
    )
  );
}

test('the Settings Editor toggle switches to the kernel websocket without a reload', async ({
  page,
  tmpPath
}) => {
  const sockets = recordWebsocketExecuteRequests(page);
  const posts = recordExecutePosts(page);
  await fillNotebook(page, tmpPath, 'toggle.ipynb', ['1 + 1', '2 + 2']);

  await runCell(page, 0);
  await waitForCount(page, 0);
  await expect(outputText(page, 0)).toHaveText('2');
  expect(posts).toHaveLength(1);
  expect(sockets.count).toBe(0);

  // Turn it off in the Settings Editor, as a user would.
  await page.evaluate(() => {
    void (window as any).jupyterapp.commands.execute('settingeditor:open', {
      query: 'Server-side execution'
    });
  });
  const checkbox = page.getByRole('checkbox', {
    name: 'Run cells on the server'
  });
  await expect(checkbox).toBeChecked();
  await checkbox.uncheck();
  await expect(checkbox).not.toBeChecked();
  // The editor saves asynchronously; wait until the setting is live.
  await expect.poll(() => serverExecutionOn(page)).toBe(false);
  await page.notebook.activate('toggle.ipynb');

  await runCell(page, 1);
  await waitForCount(page, 1);
  await expect(outputText(page, 1)).toHaveText('4');
  expect(posts).toHaveLength(1);
  expect(sockets.count).toBe(1);
  // Said once, clearly, in a notification.
  await expect(notifications(page)).toContainText(
    'Server-side execution is off'
  );

  // And back on: the next run goes to the server again.
  await page.evaluate(() => {
    void (window as any).jupyterapp.commands.execute('settingeditor:open');
  });
  await checkbox.check();
  await expect.poll(() => serverExecutionOn(page)).toBe(true);
  await page.notebook.activate('toggle.ipynb');
  await runCell(page, 0);
  await expect(prompt(page, 0)).toHaveText(/^\[\d+\]:$/);
  await expect.poll(() => posts.length).toBe(2);
  expect(sockets.count).toBe(1);
});

test('Run All stops at the first failing cell, as in stock JupyterLab', async ({
  page,
  tmpPath
}) => {
  const posts = recordExecutePosts(page);
  await fillNotebook(page, tmpPath, 'run-all.ipynb', [
    'a = 1',
    'b = 2',
    'raise ValueError("boom")',
    'c = 3',
    'd = 4',
    'print("six")'
  ]);
  await runAll(page);
  await waitForCount(page, 2);
  await expect(outputText(page, 2)).toContainText('ValueError: boom');
  await waitForCount(page, 0);
  await waitForCount(page, 1);
  // The cells after the failing one did not run, and no prompt is stuck.
  for (const index of [3, 4, 5]) {
    await expect(prompt(page, index)).toHaveText('[ ]:');
    await expect(
      cell(page, index).locator('.jp-OutputArea-output')
    ).toHaveCount(0);
  }
  const c = await page.evaluate(() => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    return panel.content.model.cells.get(3).executionCount;
  });
  expect(c).toBeNull();
  // The POSTs left in the notebook's order.
  expect(posts.map(post => post.code).slice(0, 3)).toEqual([
    'a = 1',
    'b = 2',
    'raise ValueError("boom")'
  ]);
});

test('Shift+Enter pressed quickly on five cells runs them in order, each with its own output', async ({
  page,
  tmpPath
}) => {
  const sources = [0, 1, 2, 3, 4].map(
    k =>
      `import time\norder = globals().get("order", []) + [${k}]\ntime.sleep(0.2)\nprint("cell ${k}")`
  );
  const posts = recordExecutePosts(page);
  await fillNotebook(page, tmpPath, 'order.ipynb', [...sources, 'order']);
  await page.notebook.selectCells(0);
  for (let k = 0; k < 5; k++) {
    await page.keyboard.press('Shift+Enter');
  }
  for (let k = 0; k < 5; k++) {
    await waitForCount(page, k);
    await expect(outputText(page, k)).toHaveText(`cell ${k}`);
  }
  expect(posts.map(post => post.code)).toEqual(sources);
  const counts = await page.evaluate(() => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    return [0, 1, 2, 3, 4].map(
      k => panel.content.model.cells.get(k).executionCount
    );
  });
  expect([...counts].sort((a, b) => a - b)).toEqual(counts);
  await runCell(page, 5);
  await waitForCount(page, 5);
  await expect(outputText(page, 5)).toHaveText('[0, 1, 2, 3, 4]');
});
