/**
 * The acceptance scenario: a long cell keeps running and writing after the
 * tab that started it is closed, and another browser sees everything.
 */
import { expect, test } from '@jupyterlab/galata';
import {
  REAL_KERNELS,
  activeKernelId,
  cell,
  fillNotebook,
  outputText,
  prompt,
  recordAcceptedCells,
  recordExecutePosts,
  runAll,
  runCell,
  waitForCount,
  secondBrowser
} from './helpers';

const SEED =
  'import time\nfor i in range(12): print(i, end=" "); time.sleep(0.5)';
test.use(REAL_KERNELS);

const ALL_NUMBERS = Array.from({ length: 12 }, (_, i) => `${i} `).join('');

test('closing the tab loses nothing: every number once, then [n], and i is 11', async ({
  page,
  browser,
  baseURL,
  tmpPath,
  waitForApplication,
  request
}) => {
  const name = 'seed.ipynb';
  await fillNotebook(page, tmpPath, name, [SEED, 'i']);
  const posts = recordExecutePosts(page);
  // Load JupyterLab in the second browser beforehand, so the notebook can be
  // opened there while the 6 s run is still going.
  const other = await secondBrowser({
    baseURL,
    browser,
    tmpPath,
    waitForApplication
  });

  await runCell(page, 0);
  await expect(prompt(page, 0)).toHaveText('[*]:');
  await expect(outputText(page, 0)).toContainText('1 ');
  expect(posts).toHaveLength(1);
  expect(posts[0].code).toBe(SEED);
  expect(posts[0].metadata.document_id).toMatch(/^json:notebook:/);
  expect(posts[0].metadata.cell_id).toBeTruthy();
  const kernelId = await activeKernelId(page);

  await page.close();

  // The kernel survives the tab and is still busy with our cell.
  const kernel = await request.get(`/api/kernels/${kernelId}`);
  expect(kernel.ok()).toBe(true);

  await other.notebook.openByPath(`${tmpPath}/${name}`);
  await expect(prompt(other, 0)).toHaveText('[*]:');
  await waitForCount(other, 0);
  await expect(outputText(other, 0)).toHaveText(ALL_NUMBERS);
  // Exactly one stream output, holding every number once and in order.
  const outputs = await other.evaluate(() => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    return panel.content.model.cells.get(0).toJSON().outputs;
  });
  expect(outputs).toEqual([
    { output_type: 'stream', name: 'stdout', text: ALL_NUMBERS }
  ]);

  await runCell(other, 1);
  await waitForCount(other, 1);
  await expect(outputText(other, 1)).toHaveText('11');

  await other.notebook.save();
  const saved = await request.get(
    `/api/contents/${tmpPath}/${name}?content=1&type=notebook`
  );
  const content = (await saved.json()).content;
  expect(content.cells[0].outputs).toEqual([
    { output_type: 'stream', name: 'stdout', text: ALL_NUMBERS }
  ]);
  expect(content.cells[0].execution_count).toEqual(expect.any(Number));
  expect(cell(other, 0)).toBeTruthy();
  await other.context().close();
});

// The first cell outlasts the tab; each later one needs every earlier one.
const RUN_ALL = [
  'import time\ntime.sleep(1)\nran = [0]',
  ...Array.from({ length: 18 }, (_, k) => `ran.append(${k + 1})`),
  'ran'
];

test('a Run All the tab does not outlive still runs every cell, in order', async ({
  page,
  browser,
  baseURL,
  tmpPath,
  waitForApplication
}) => {
  const name = 'run-all-closed.ipynb';
  await fillNotebook(page, tmpPath, name, RUN_ALL);
  const other = await secondBrowser({
    baseURL,
    browser,
    tmpPath,
    waitForApplication
  });
  const accepted = recordAcceptedCells(page);
  await runAll(page);
  // The tab goes as soon as the server accepted anything: cells it had not
  // handed over by then would never run.
  await expect.poll(() => accepted.length).toBeGreaterThan(0);
  await page.close();

  await other.notebook.openByPath(`${tmpPath}/${name}`);
  for (let k = 0; k < RUN_ALL.length; k++) {
    await waitForCount(other, k);
  }
  const expected = Array.from({ length: 19 }, (_, k) => k).join(', ');
  await expect(outputText(other, RUN_ALL.length - 1)).toHaveText(
    `[${expected}]`
  );
  expect(accepted.every(status => status === 202)).toBe(true);
  await other.context().close();
});
