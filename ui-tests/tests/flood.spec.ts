/**
 * Output floods run on the server: 20,000 short lines at about 2,000 a
 * second (ipykernel batches them into a message every ~0.1 s, as a training
 * log does), and a `\r` progress line updated about 200 times a second for 10 s. The
 * final text is exact and complete, the page keeps handling clicks
 * while the flood is in progress, and the output area is re-rendered about
 * once per frame. (Timings belong to the benchmarks; the
 * numbers are only attached to the report here.)
 */
import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import {
  REAL_KERNELS,
  cell,
  fillNotebook,
  prompt,
  runCell,
  waitForCount
} from './helpers';

test.use(REAL_KERNELS);

const LINES = 20000;
const LINES_CELL = [
  'import time',
  `for i in range(${LINES}):`,
  "    print(f'line {i}')",
  '    if i % 200 == 199: time.sleep(0.1)'
].join('\n');
const LINES_TEXT = Array.from({ length: LINES }, (_, i) => `line ${i}\n`).join(
  ''
);

const STEPS = 2000;
const PROGRESS_CELL = [
  'import time',
  `for i in range(${STEPS}):`,
  "    print(f'\\rprogress {i}', end='', flush=True)",
  '    time.sleep(0.005)',
  'print()'
].join('\n');
const PROGRESS_TEXT = `progress ${STEPS - 1}\n`;

/** The cell's outputs as the tab's model holds them. */
async function modelOutputs(page: Page, index: number) {
  return page.evaluate(i => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    return panel.content.model.cells.get(i).toJSON().outputs;
  }, index);
}

/**
 * Count, per animation frame, the DOM updates of a cell's output area (one
 * MutationObserver callback per task that changed it).
 */
async function watchRenders(page: Page, index: number): Promise<void> {
  await cell(page, index)
    .locator('.jp-OutputArea')
    .evaluate(node => {
      const stats = { frames: 0, renders: 0, max: 0, current: 0 };
      (window as any).__handoffRenders = stats;
      new MutationObserver(() => {
        stats.current++;
        stats.renders++;
      }).observe(node, { childList: true, subtree: true, characterData: true });
      const frame = () => {
        stats.max = Math.max(stats.max, stats.current);
        stats.current = 0;
        stats.frames++;
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
}

/**
 * How the output area was updated, checking that renders were coalesced:
 * about one per frame (a new output and a re-render can share a frame;
 * without coalescing, bursts of 80 in one frame were seen).
 */
async function renderStats(page: Page): Promise<string> {
  const stats = await page.evaluate(() => (window as any).__handoffRenders);
  expect(stats.renders).toBeGreaterThan(1);
  expect(stats.max).toBeLessThanOrEqual(2);
  return `${stats.renders} output updates in ${stats.frames} frames, at most ${stats.max} in one frame`;
}

/** Click the target cell while `index` runs; the click must land before it ends. */
async function clickDuringRun(
  page: Page,
  running: number,
  target: number
): Promise<number> {
  await expect(prompt(page, running)).toHaveText('[*]:');
  const started = Date.now();
  await cell(page, target).locator('.jp-InputPrompt').click();
  await expect(cell(page, target)).toHaveClass(/jp-mod-active/);
  const latency = Date.now() - started;
  // Handled while the flood was still going, not after it.
  await expect(prompt(page, running)).toHaveText('[*]:', { timeout: 1 });
  return latency;
}

test('20,000 lines: exact text, and a click is handled mid-flood', async ({
  page,
  tmpPath
}) => {
  await fillNotebook(page, tmpPath, 'lines.ipynb', [LINES_CELL, 'x = 1']);
  await watchRenders(page, 0);
  const started = Date.now();
  await runCell(page, 0);
  // Let the flood reach the tab before clicking.
  await expect(cell(page, 0).locator('.jp-OutputArea')).toContainText('line 1');
  const latency = await clickDuringRun(page, 0, 1);
  await waitForCount(page, 0, 120000);
  const total = Date.now() - started;
  expect(await modelOutputs(page, 0)).toEqual([
    { output_type: 'stream', name: 'stdout', text: LINES_TEXT }
  ]);
  // The rendered text too (the last line, and the line count).
  const rendered = await cell(page, 0)
    .locator('.jp-OutputArea-output')
    .evaluate(node => node.textContent ?? '');
  expect(rendered).toBe(LINES_TEXT);
  test.info().annotations.push({
    type: 'timing',
    description: `lines: click handled in ${latency} ms, run to [n] in ${total} ms; ${await renderStats(page)}`
  });
});

test('a progress line at ~200 updates/s for 10 s: exact text, and a click is handled mid-flood', async ({
  page,
  tmpPath
}) => {
  await fillNotebook(page, tmpPath, 'progress.ipynb', [PROGRESS_CELL, 'x = 1']);
  await watchRenders(page, 0);
  const started = Date.now();
  await runCell(page, 0);
  await expect(cell(page, 0).locator('.jp-OutputArea')).toContainText(
    'progress 1'
  );
  const latency = await clickDuringRun(page, 0, 1);
  await waitForCount(page, 0, 120000);
  const total = Date.now() - started;
  expect(await modelOutputs(page, 0)).toEqual([
    { output_type: 'stream', name: 'stdout', text: PROGRESS_TEXT }
  ]);
  const rendered = await cell(page, 0)
    .locator('.jp-OutputArea-output')
    .evaluate(node => node.textContent ?? '');
  expect(rendered).toBe(PROGRESS_TEXT);
  test.info().annotations.push({
    type: 'timing',
    description: `progress: click handled in ${latency} ms, run to [n] in ${total} ms; ${await renderStats(page)}`
  });
});
