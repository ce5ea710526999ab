/**
 * The handoff indicator on the real stack, with two independent browsers A
 * and B on the same notebook: counts and cell marks while a run progresses,
 * "while you were away", interrupt, and stale marks.
 */
import { expect, test, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { BrowserContext, Locator, Page } from '@playwright/test';
import {
  REAL_KERNELS,
  activeKernelId,
  cell,
  fillNotebook,
  notifications,
  prompt,
  openInTwoBrowsers,
  runAll,
  runCell,
  waitForCount,
  secondBrowser,
  seenRecordsOnServer,
  waitForServerIdle
} from './helpers';

test.use(REAL_KERNELS);

const SLEEP_CELLS = Array.from(
  { length: 5 },
  (_, i) => `import time\ntime.sleep(2)\n${i}`
);

/** Cells that each run until the test creates their file `go-<i>`. */
const GATED_CELLS = Array.from(
  { length: 5 },
  (_, i) =>
    `import pathlib, time\nwhile not pathlib.Path('go-${i}').exists():\n    time.sleep(0.1)\n${i}`
);

/** The status bar item. */
function statusItem(page: Page): Locator {
  return page.locator('.jp-handoff-StatusItem');
}

/** The badge of the n-th cell of the active notebook. */
function badge(page: Page, index: number): Locator {
  return cell(page, index).locator('.jp-handoff-CellBadge');
}

/** The status item shows `running` running and `queued` queued. */
async function expectCounts(page: Page, running: number, queued: number) {
  await expect(statusItem(page)).toHaveAttribute(
    'data-running',
    String(running)
  );
  await expect(statusItem(page)).toHaveAttribute('data-queued', String(queued));
}

/** Cell `k` runs and every later cell is queued, in both pages. */
async function expectProgress(pages: Page[], k: number, total: number) {
  await Promise.all(
    pages.map(async page => {
      await expectCounts(page, 1, total - k - 1);
      await expect(badge(page, k)).toHaveAttribute('data-state', 'running');
      for (let j = k + 1; j < total; j++) {
        await expect(badge(page, j)).toHaveAttribute('data-state', 'queued');
      }
      for (let j = 0; j < k; j++) {
        await expect(badge(page, j)).toHaveCount(0);
      }
    })
  );
}

/** Nothing queued or running, and no cell marked, in a page. */
async function expectSettled(page: Page, cells: number) {
  await expectCounts(page, 0, 0);
  await expect(statusItem(page)).toHaveText('Server idle');
  for (let j = 0; j < cells; j++) {
    await expect(
      cell(page, j).locator('.jp-handoff-CellBadge:not([data-state="unseen"])')
    ).toHaveCount(0);
  }
}

/**
 * Open a notebook in a new tab of an existing browser context (so its
 * localStorage, and with it "while you were away", is kept).
 */
async function reopen(
  context: BrowserContext,
  baseURL: string,
  path: string
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${baseURL}/lab/tree/${path}`);
  await expect(
    page.locator(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator'
    )
  ).toHaveAttribute('data-status', 'idle', { timeout: 60000 });
  return page;
}

/** The index of the active cell of the current notebook. */
function activeCellIndex(page: Page): Promise<number> {
  return page.evaluate(
    () => (window as any).jupyterapp.shell.currentWidget.content.activeCellIndex
  );
}

test.describe('two browsers on one notebook', () => {
  test('counts and marks follow the run in both, and A learns what finished while away', async ({
    page,
    browser,
    baseURL,
    tmpPath,
    waitForApplication
  }) => {
    const name = 'progress.ipynb';
    // Each cell waits for its own file: the test lets one cell end at a time,
    // so every step is seen however slow the machine is.
    const { path, b } = await openInTwoBrowsers(
      { page, browser, baseURL, tmpPath, waitForApplication },
      name,
      GATED_CELLS
    );
    const release = (on: IJupyterLabPageFixture, j: number) =>
      on.contents.uploadContent('', 'text', `${tmpPath}/go-${j}`);
    await expectSettled(page, 5);
    await expectSettled(b, 5);

    await runAll(page);
    await expectProgress([page, b], 0, 5);
    await release(page, 0);
    await expectProgress([page, b], 1, 5);

    // A leaves while cell 1 runs; B keeps following the server while
    // cells 1 and 2 end, then leaves too.
    const contextA = page.context();
    await page.close();
    for (let k = 2; k < 4; k++) {
      await release(b, k - 1);
      await expectProgress([b], k, 5);
    }
    // What B saw reached the server: it is seen for the user, in every
    // browser of theirs (see awayuser.spec.ts), A included.
    const kernelId = await activeKernelId(b);
    const bId = await b.evaluate(() =>
      window.localStorage.getItem('jupyterlab-handoff-browser')
    );
    const seenByB = `jupyterlab-handoff-seen:${encodeURIComponent(path)}:${bId}`;
    await expect
      .poll(
        async () =>
          (await seenRecordsOnServer(contextA.request))[seenByB]?.cells?.[
            'cell-2'
          ]?.[0] ?? null,
        { timeout: 30000 }
      )
      .not.toBeNull();
    await b.context().close();
    // Cells 3 and 4 end with no page open.
    for (const j of [3, 4]) {
      const go = await contextA.request.put(
        `/api/contents/${tmpPath}/go-${j}`,
        { data: { type: 'file', format: 'text', content: '' } }
      );
      expect(go.ok()).toBe(true);
    }
    await waitForServerIdle(contextA.request, kernelId);

    // A comes back after the run: cells 3 and 4 finished while no browser
    // of the user watched.
    const a = await reopen(contextA, baseURL!, path);
    const toast = notifications(a).filter({ hasText: 'since you left' });
    await expect(toast).toHaveCount(1);
    await expect(toast).toContainText('2 cells finished');
    for (const j of [3, 4]) {
      await expect(badge(a, j)).toHaveAttribute('data-state', 'unseen');
    }
    for (const j of [0, 1, 2]) {
      await expect(badge(a, j)).toHaveCount(0);
    }
    expect(await activeCellIndex(a)).toBe(0);
    await toast.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => activeCellIndex(a)).toBe(3);
    // Seen once it is the active cell; the other stays marked.
    await expect(badge(a, 3)).toHaveCount(0);
    await expect(badge(a, 4)).toHaveAttribute('data-state', 'unseen');
    await expectSettled(a, 5);
    await a.close();
  });

  test('interrupting from B stops the run in A and B: nothing stays queued or running', async ({
    page,
    browser,
    baseURL,
    tmpPath,
    waitForApplication
  }) => {
    const name = 'interrupt.ipynb';
    // The first cell outlasts any test step, so the interrupt always lands
    // while it runs (with 2 s cells a loaded machine could finish it before
    // the list was open, and the test would then check another state).
    const { b } = await openInTwoBrowsers(
      { page, browser, baseURL, tmpPath, waitForApplication },
      name,
      ['import time\ntime.sleep(300)\n0', ...SLEEP_CELLS.slice(1)]
    );

    await runAll(page);
    await expectProgress([page, b], 0, 5);

    // B interrupts from the list of executions in flight.
    await statusItem(b).click();
    const list = b.locator('.jp-handoff-InFlightPanel');
    await expect(list).toBeVisible();
    await expect(list.locator('.jp-handoff-InFlightRow')).toHaveCount(5);
    await expect(
      list.locator('.jp-handoff-InFlightRow[data-state="running"]')
    ).toContainText(`${name}, cell 1`);
    await list.getByRole('button', { name: /^Interrupt the kernel/ }).click();

    for (const p of [page, b]) {
      await expectSettled(p, 5);
      await expect(prompt(p, 0)).not.toHaveText('[*]:');
      for (let j = 1; j < 5; j++) {
        await expect(prompt(p, j)).toHaveText('[ ]:');
      }
    }
    await expect(list.locator('.jp-handoff-InFlightRow')).toHaveCount(0);
    await b.context().close();
  });

  test('a cell left running by a dead tab in stock mode is stale, and clearing it fixes A and B', async ({
    page,
    browser,
    baseURL,
    tmpPath,
    waitForApplication
  }) => {
    const name = 'stale.ipynb';
    const path = `${tmpPath}/${name}`;
    await fillNotebook(page, tmpPath, name, [
      'import time\ntime.sleep(3)',
      '1 + 1'
    ]);
    const b = await secondBrowser({
      baseURL,
      browser,
      tmpPath,
      waitForApplication
    });

    // A runs the cell in stock mode and dies before it ends: nobody is left
    // to write its end into the document.
    await page.evaluate(() =>
      (window as any).jupyterapp.commands.execute(
        'handoff:toggle-server-execution',
        { enabled: false }
      )
    );
    await runCell(page, 0);
    await expect(prompt(page, 0)).toHaveText('[*]:');
    const contextA = page.context();
    await page.close();
    await b.evaluate(() =>
      (window as any).jupyterapp.commands.execute(
        'handoff:toggle-server-execution',
        { enabled: true }
      )
    );

    await b.notebook.openByPath(path);
    await b.notebook.activate(name);
    await expect(prompt(b, 0)).toHaveText('[*]:');
    await expect(badge(b, 0)).toHaveAttribute('data-state', 'stale', {
      timeout: 30000
    });
    await expect(statusItem(b)).toHaveAttribute('data-stale', '1');
    await expect(statusItem(b)).toHaveAttribute('data-running', '0');

    const a = await reopen(contextA, baseURL!, path);
    await expect(badge(a, 0)).toHaveAttribute('data-state', 'stale', {
      timeout: 30000
    });

    // One action in B clears it everywhere.
    await b.evaluate(() =>
      (window as any).jupyterapp.commands.execute('handoff:clear-stale')
    );
    for (const p of [a, b]) {
      await expect(badge(p, 0)).toHaveCount(0);
      await expect(prompt(p, 0)).not.toHaveText('[*]:');
      await expect(statusItem(p)).toHaveAttribute('data-stale', '0');
    }
    // And the notebook runs normally again.
    await runCell(b, 1);
    await waitForCount(b, 1);
    await a.close();
    await b.context().close();
  });
});

test('a tab reloaded mid-run shows what the server is doing, started before it opened', async ({
  page,
  tmpPath
}) => {
  const name = 'reload.ipynb';
  await fillNotebook(
    page,
    tmpPath,
    name,
    // Gated, so the reload lands mid-run however long it takes.
    GATED_CELLS.slice(0, 3)
  );
  await runAll(page);
  await expectProgress([page], 0, 3);

  // Galata's readiness check waits for an idle kernel: not while it runs.
  await page.reload({ waitForIsReady: false });
  await page.waitForSelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell');
  // Whichever cell runs now, the rest after it are queued, in the marks and
  // in the counts alike.
  await expect(statusItem(page)).toHaveAttribute('data-running', '1');
  const states = await cell(page, 0)
    .locator('xpath=..')
    .locator('.jp-Cell')
    .evaluateAll(cells =>
      cells.map(
        node =>
          node.querySelector<HTMLElement>('.jp-handoff-CellBadge')?.dataset
            .state ?? 'none'
      )
    );
  const running = states.indexOf('running');
  expect(running).toBeGreaterThanOrEqual(0);
  // Cells that finished during the reload may carry the "new" mark.
  expect(
    states.slice(0, running).every(s => s === 'none' || s === 'unseen')
  ).toBe(true);
  expect(states.slice(running + 1).every(s => s === 'queued')).toBe(true);
  await expect(statusItem(page)).toHaveAttribute(
    'data-queued',
    String(states.length - running - 1)
  );
  await expect(statusItem(page)).toHaveAttribute(
    'title',
    /safe to close this tab/
  );
  for (let j = 0; j < 3; j++) {
    await page.contents.uploadContent('', 'text', `${tmpPath}/go-${j}`);
  }
  await waitForCount(page, 2, 30000);
  await expectSettled(page, 3);
});

test.describe('screenshots', () => {
  for (const theme of ['light', 'dark'] as const) {
    test(`status item and cell badges, ${theme} theme`, async ({
      page,
      tmpPath
    }) => {
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      await fillNotebook(page, tmpPath, `look-${theme}.ipynb`, [
        'import time\ntime.sleep(60)',
        '1 + 1',
        '2 + 2'
      ]);
      await runAll(page);
      await expectCounts(page, 1, 2);
      await expect(badge(page, 2)).toHaveAttribute('data-state', 'queued');
      await page.notebook.selectCells(0);
      // Park the mouse away from the hoverable status item.
      await page.mouse.move(0, 0);
      // Only our item on the left of the status bar: the kernel status before
      // it changes width (Idle, Busy), which moves our text by a fraction of
      // a pixel and changes its antialiasing.
      await page.addStyleTag({
        content:
          '.jp-StatusBar-Left > :not(.jp-handoff-StatusItem):not(:has(.jp-handoff-StatusItem)) { display: none !important; }'
      });

      expect(await statusItem(page).screenshot()).toMatchSnapshot(
        `status-item-${theme}.png`
      );
      // The prompts with their badges, not the editors (their cursor blinks).
      const first = (await cell(page, 0).boundingBox())!;
      const last = (await cell(page, 2).boundingBox())!;
      expect(
        await page.screenshot({
          clip: {
            x: first.x,
            y: first.y,
            width: 80,
            height: last.y + last.height - first.y
          }
        })
      ).toMatchSnapshot(`cell-badges-${theme}.png`);

      await page.evaluate(() =>
        (window as any).jupyterapp.commands.execute('notebook:interrupt-kernel')
      );
      await expectSettled(page, 3);
    });
  }
});

test('a cell waiting for input() on the server is shown as waiting, not running', async ({
  page,
  tmpPath
}) => {
  await fillNotebook(page, tmpPath, 'input.ipynb', [
    'name = input("name? ")',
    '1 + 1'
  ]);
  await runAll(page);
  await expect(badge(page, 0)).toHaveAttribute('data-state', 'input');
  await expect(statusItem(page)).toHaveAttribute('data-input', '1');
  await expect(statusItem(page)).toHaveAttribute('data-running', '0');
  await expect(statusItem(page)).toContainText('1 waiting for input');
  await expect(badge(page, 1)).toHaveAttribute('data-state', 'queued');

  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('notebook:interrupt-kernel')
  );
  await expectSettled(page, 2);
});
