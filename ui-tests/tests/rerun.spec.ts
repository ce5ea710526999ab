/**
 * Running a cell again while it runs: as in stock JupyterLab, the old run's
 * later output is not shown, and the new run's output follows when the
 * kernel gets to it (README: "Running a cell again while it runs").
 */
import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import {
  REAL_KERNELS,
  cell,
  openInTwoBrowsers,
  openNotebook,
  outputText,
  prompt,
  runCell,
  waitForCount
} from './helpers';

test.use(REAL_KERNELS);

/** Counts, tagged with the run: the first run prints `run 1: i`. */
const COUNTING = [
  'import time',
  "run = globals().get('run', 0) + 1",
  'for i in range(15):',
  "    print(f'run {run}: {i}', flush=True)",
  '    time.sleep(0.2)'
].join('\n');

/** Record every prompt and output text the first cell shows from now on. */
async function watchFirstCell(page: Page): Promise<void> {
  await page.evaluate(() => {
    const node = document.querySelector(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell'
    )!;
    const seen: Array<{ prompt: string; out: string }> = [];
    const record = () =>
      seen.push({
        prompt: node.querySelector('.jp-InputPrompt')?.textContent ?? '',
        out: node.querySelector('.jp-OutputArea')?.textContent ?? ''
      });
    record();
    new MutationObserver(record).observe(node, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true
    });
    (window as any).handoffSeen = seen;
  });
}

/** What the first cell showed after it was first cleared by the re-run. */
async function seenAfterRerun(
  page: Page
): Promise<Array<{ prompt: string; out: string }>> {
  const seen: Array<{ prompt: string; out: string }> = await page.evaluate(
    () => (window as any).handoffSeen
  );
  const cleared = seen.findIndex(state => !state.out.includes('run 1'));
  expect(cleared).toBeGreaterThanOrEqual(0);
  return seen.slice(cleared);
}

test('running the counting cell again mid-run never shows the old run under the new [*]', async ({
  page,
  browser,
  baseURL,
  tmpPath,
  waitForApplication
}) => {
  const { b: other } = await openInTwoBrowsers(
    { page, browser, baseURL, tmpPath, waitForApplication },
    'rerun.ipynb',
    [COUNTING],
    openNotebook
  );

  await runCell(page, 0);
  await expect(outputText(page, 0)).toContainText('run 1: 3');
  await expect(outputText(other, 0)).toContainText('run 1: 3');
  await watchFirstCell(page);
  await watchFirstCell(other);

  // Run it again while it counts.
  await runCell(page, 0);
  for (const tab of [page, other]) {
    await expect(outputText(tab, 0)).toContainText('run 2: 14', {
      timeout: 30000
    });
    await waitForCount(tab, 0);
  }
  for (const tab of [page, other]) {
    const after = await seenAfterRerun(tab);
    // Never a line of the old run, and never its count, after the re-run.
    expect(after.filter(state => state.out.includes('run 1'))).toEqual([]);
    expect(after.filter(state => state.prompt === '[1]:')).toEqual([]);
    expect(
      after.some(state => state.prompt === '[*]:' && state.out === '')
    ).toBe(true);
    await expect(prompt(tab, 0)).toHaveText('[2]:');
    await expect(cell(tab, 0).locator('.jp-OutputArea-output')).toHaveCount(1);
    expect((await outputText(tab, 0).innerText()).trimEnd()).toBe(
      Array.from({ length: 15 }, (_, i) => `run 2: ${i}`).join('\n')
    );
  }
  await other.context().close();
});
