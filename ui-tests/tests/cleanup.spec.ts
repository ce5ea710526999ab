/**
 * A run that outlives jupyter-collaboration's `document_cleanup_delay` with
 * every tab closed loses nothing. This project's server drops the rooms of
 * closed documents after 3 s (HANDOFF_CLEANUP_DELAY in the test config).
 */
import { expect, test } from '@jupyterlab/galata';
import {
  REAL_KERNELS,
  activeKernelId,
  cell,
  fillNotebook,
  openNotebook,
  prompt,
  runCell,
  waitForCount,
  secondBrowser,
  waitForServerIdle
} from './helpers';

test.use(REAL_KERNELS);

const COUNT = 20;
// 10 s of output at 0.5 s per line: more than three times the delay.
const SLOW = `import time\nfor i in range(${COUNT}): print(i, flush=True); time.sleep(0.5)`;
const ALL = Array.from({ length: COUNT }, (_, i) => `${i}\n`).join('');

test('a run longer than the cleanup delay with every tab closed keeps all its outputs', async ({
  page,
  browser,
  baseURL,
  tmpPath,
  waitForApplication,
  request
}) => {
  const name = 'cleanup.ipynb';
  await fillNotebook(page, tmpPath, name, [SLOW]);
  const kernelId = await activeKernelId(page);
  const other = await secondBrowser({
    baseURL,
    browser,
    tmpPath,
    waitForApplication
  });

  await runCell(page, 0);
  await expect(cell(page, 0).locator('.jp-OutputArea')).toContainText('1');
  // The only tab with the document goes away.
  await page.close();

  // Wait for the run to end on the server, long after the room's delay.
  const started = Date.now();
  await waitForServerIdle(request, kernelId);
  expect(Date.now() - started).toBeGreaterThan(3000);

  await openNotebook(other, `${tmpPath}/${name}`);
  await waitForCount(other, 0);
  await expect(prompt(other, 0)).toHaveText(/^\[\d+\]:$/);
  const outputs = await other.evaluate(() => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    return panel.content.model.cells.get(0).toJSON().outputs;
  });
  expect(outputs).toEqual([
    { output_type: 'stream', name: 'stdout', text: ALL }
  ]);
  await other.context().close();
});
