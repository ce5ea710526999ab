/**
 * Outputs written by a frontend other than JupyterLab: a small pycrdt client
 * of our own (clients/liststream.py) writes a stream as jpterm does, its
 * text a list of chunks, into a notebook a tab has open. The tab open during
 * the write, a browser opened afterwards and the tab after a reload must all
 * show exactly the text, as if it had been written as one string.
 */
import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { spawn } from 'child_process';
import * as path from 'path';
import {
  REAL_KERNELS,
  fillNotebook,
  openNotebook,
  outputText,
  secondBrowser,
  waitForCount
} from './helpers';

test.use(REAL_KERNELS);

/** Chunks as the kernel sent them; a nested list arrives in one update. */
const CHUNKS = ['out 0\n', 'out 1\n', 'par', ['tial\n', 'end\n']];
const TEXT = 'out 0\nout 1\npartial\nend\n';

/** Run the client; it resolves once the client has sent everything. */
function writeListStream(
  baseURL: string,
  notebookPath: string,
  index: number
): Promise<void> {
  const script = path.join(__dirname, '..', 'clients', 'liststream.py');
  const args = [
    script,
    baseURL,
    notebookPath,
    String(index),
    JSON.stringify(CHUNKS)
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.HANDOFF_PYTHON || 'python', args);
    let stderr = '';
    child.stderr.on('data', data => (stderr += data));
    child.on('error', reject);
    child.on('exit', code =>
      code === 0
        ? resolve()
        : reject(new Error(`liststream.py exited with ${code}: ${stderr}`))
    );
  });
}

/** The first cell's outputs as the tab renders them (its output model). */
function modelOutputs(page: Page): Promise<any[]> {
  return page.evaluate(() =>
    (window as any).jupyterapp.shell.currentWidget.content.model.cells
      .get(0)
      .outputs.toJSON()
  );
}

/** Exactly the text, once, with no blank line and no comma between chunks. */
async function expectExactText(page: Page): Promise<void> {
  await waitForCount(page, 0);
  await expect
    .poll(() => modelOutputs(page))
    .toEqual([{ output_type: 'stream', name: 'stdout', text: TEXT }]);
  await expect(outputText(page, 0)).toHaveCount(1);
  // The model is complete; its last in-place update may render a frame
  // later (render coalescing), so the exact text is awaited, not read once.
  await expect
    .poll(async () => (await outputText(page, 0).innerText()).trimEnd())
    .toBe(TEXT.trimEnd());
  await expect(outputText(page, 0)).toHaveCount(1);
}

test('list-form stream text from another frontend renders exactly', async ({
  page,
  browser,
  baseURL,
  tmpPath,
  waitForApplication
}) => {
  const name = 'other-frontend.ipynb';
  await fillNotebook(page, tmpPath, name, ["print('from elsewhere')"]);

  // Written while this tab is open.
  await writeListStream(baseURL!, `${tmpPath}/${name}`, 0);
  await expectExactText(page);

  // A browser that opens the notebook afterwards.
  const other = await secondBrowser({
    baseURL,
    browser,
    tmpPath,
    waitForApplication
  });
  await openNotebook(other, `${tmpPath}/${name}`);
  await expectExactText(other);
  await other.context().close();

  // The first tab after a reload.
  await Promise.all([
    page.waitForEvent('load'),
    page.evaluate(() => {
      setTimeout(() => window.location.reload(), 0);
    })
  ]);
  await page.waitForFunction(
    () =>
      (window as any).jupyterapp?.shell?.currentWidget?.content?.model?.cells
        ?.length === 1,
    undefined,
    { timeout: 60000 }
  );
  await expectExactText(page);
});
