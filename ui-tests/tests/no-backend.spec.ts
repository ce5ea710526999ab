/**
 * A server without jupyter-server-nbmodel: cells still run, through the tab,
 * and one notification says why.
 */
import { expect, test } from '@jupyterlab/galata';
import {
  REAL_KERNELS,
  fillNotebook,
  notifications,
  outputText,
  prompt,
  recordWebsocketExecuteRequests,
  runCell,
  waitForCount
} from './helpers';

test.use(REAL_KERNELS);

test('without the execute endpoint cells run in the tab, and the user is told once', async ({
  page,
  tmpPath
}) => {
  const sockets = recordWebsocketExecuteRequests(page);
  await fillNotebook(page, tmpPath, 'fallback.ipynb', [
    'import time\ntime.sleep(0.5)\nprint("first")',
    'print("second")',
    'print("third")'
  ]);
  await runCell(page, 0);
  await waitForCount(page, 0);
  await expect(outputText(page, 0)).toHaveText('first');
  await runCell(page, 1);
  await waitForCount(page, 1);
  await runCell(page, 2);
  await waitForCount(page, 2);
  await expect(outputText(page, 2)).toHaveText('third');
  expect(sockets.count).toBe(3);

  const toasts = notifications(page).filter({
    hasText: 'jupyter-server-nbmodel is not installed'
  });
  await expect(toasts).toHaveCount(1);
  for (const index of [0, 1, 2]) {
    await expect(prompt(page, index)).not.toHaveText('[*]:');
  }
});
