/**
 * input() and getpass in server-side runs, answered from any tab: every
 * browser on the notebook shows JupyterLab's stdin box under the waiting
 * cell (also one opened or reloaded after the prompt appeared), the first
 * answer wins, and the boxes go everywhere when the run goes on or ends.
 */
import { expect, test, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';
import {
  REAL_KERNELS,
  cell,
  fillNotebook,
  openInTwoBrowsers,
  openTab,
  outputText,
  prompt,
  runCell,
  secondBrowser,
  waitForCount
} from './helpers';

test.use(REAL_KERNELS);

const ASK = "name = input('who? ')\nprint('hi', name)";

/** The stdin box under the n-th cell of the active notebook. */
function stdinBox(page: Page, index: number): Locator {
  return cell(page, index).locator('.jp-OutputArea-stdin-item .jp-Stdin-input');
}

function statusItem(page: Page): Locator {
  return page.locator('.jp-handoff-StatusItem');
}

function badge(page: Page, index: number): Locator {
  return cell(page, index).locator('.jp-handoff-CellBadge');
}

/** Open a notebook another browser runs (its kernel may be busy). */
async function join(b: IJupyterLabPageFixture, path: string): Promise<void> {
  await openTab(b, path);
  await b.waitForSelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell');
}

/** Type an answer into a page's box and press Enter. */
async function answer(page: Page, index: number, value: string) {
  const box = stdinBox(page, index);
  await box.fill(value);
  await box.press('Enter');
}

/** What the first cell printed (the stdin box is an output widget too). */
function stdout(page: Page): Locator {
  return cell(page, 0).locator(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]'
  );
}

/** The run ended with `hi <name>` and a count, and no box is left. */
async function expectAnswered(page: Page, text: string) {
  await expect(stdout(page)).toContainText(text);
  await waitForCount(page, 0);
  await expect(stdinBox(page, 0)).toHaveCount(0);
}

test.describe('input() from any tab', () => {
  test('A runs input(), B answers: both show the result and the count, no box left', async ({
    page,
    browser,
    baseURL,
    tmpPath,
    waitForApplication
  }) => {
    const { b } = await openInTwoBrowsers(
      { page, browser, baseURL, tmpPath, waitForApplication },
      'ask.ipynb',
      [ASK],
      join
    );

    // The notebook's first run on this kernel asks at once (see README:
    // nbmodel's first request of a kernel used to lose its prompt).
    await runCell(page, 0);
    for (const p of [page, b]) {
      await expect(stdinBox(p, 0)).toBeVisible();
      await expect(stdinBox(p, 0)).not.toHaveAttribute('type', 'password');
      await expect(cell(p, 0).locator('.jp-Stdin-prompt')).toContainText(
        'who?'
      );
      await expect(prompt(p, 0)).toHaveText('[*]:');
    }
    await answer(b, 0, 'Bea');
    for (const p of [page, b]) {
      await expectAnswered(p, 'hi Bea');
    }
    await expect(prompt(page, 0)).toHaveText(
      (await prompt(b, 0).textContent())!
    );
    await b.context().close();
  });

  test('A reloads while the prompt waits and answers after the reload', async ({
    page,
    tmpPath
  }) => {
    const name = 'reload-ask.ipynb';
    await fillNotebook(page, tmpPath, name, [ASK]);
    await runCell(page, 0);
    await expect(stdinBox(page, 0)).toBeVisible();

    // Galata's readiness check waits for an idle kernel: not while it asks.
    await page.reload({ waitForIsReady: false });
    await page.waitForSelector(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell'
    );
    await expect(stdinBox(page, 0)).toBeVisible();
    await answer(page, 0, 'again');
    await expectAnswered(page, 'hi again');
  });

  test('a browser opened after the prompt appeared sees the box and "waiting for input"', async ({
    page,
    browser,
    baseURL,
    tmpPath,
    waitForApplication
  }) => {
    const fixtures = { page, browser, baseURL, tmpPath, waitForApplication };
    const { path, b } = await openInTwoBrowsers(
      fixtures,
      'late-ask.ipynb',
      [ASK],
      join
    );
    await runCell(page, 0);
    await expect(stdinBox(page, 0)).toBeVisible();
    await expect(stdinBox(b, 0)).toBeVisible();

    const c = await secondBrowser(fixtures);
    await join(c, path);
    await expect(stdinBox(c, 0)).toBeVisible();
    for (const p of [page, b, c]) {
      await expect(badge(p, 0)).toHaveAttribute('data-state', 'input');
      await expect(statusItem(p)).toHaveAttribute('data-input', '1');
      await expect(statusItem(p)).toContainText('waiting for input');
    }
    // And the list of executions, in a browser that did not run the cell.
    await statusItem(c).click();
    const row = c.locator('.jp-handoff-InFlightPanel .jp-handoff-InFlightRow');
    await expect(row).toHaveCount(1);
    await expect(row).toHaveAttribute('data-state', 'input');
    await expect(row).toHaveAttribute('title', /Waiting for input/);
    await answer(c, 0, 'Cy');
    for (const p of [page, b, c]) {
      await expectAnswered(p, 'hi Cy');
      await expect(badge(p, 0)).toHaveCount(0);
      await expect(statusItem(p)).toHaveAttribute('data-input', '0');
    }
    await b.context().close();
    await c.context().close();
  });

  test('getpass: the box is masked in every tab', async ({
    page,
    browser,
    baseURL,
    tmpPath,
    waitForApplication
  }) => {
    const { b } = await openInTwoBrowsers(
      { page, browser, baseURL, tmpPath, waitForApplication },
      'secret.ipynb',
      [
        "import getpass\nsecret = getpass.getpass('pw: ')\nprint(len(secret), 'chars')"
      ],
      join
    );
    await runCell(page, 0);
    for (const p of [page, b]) {
      await expect(stdinBox(p, 0)).toHaveAttribute('type', 'password');
    }
    await answer(page, 0, 'hunter2');
    for (const p of [page, b]) {
      await expectAnswered(p, '7 chars');
      // The answer is never shown.
      await expect(cell(p, 0)).not.toContainText('hunter2');
    }
    await b.context().close();
  });

  test('an interrupt while the prompt waits removes the boxes in A and B, no [*] left', async ({
    page,
    browser,
    baseURL,
    tmpPath,
    waitForApplication
  }) => {
    const { b } = await openInTwoBrowsers(
      { page, browser, baseURL, tmpPath, waitForApplication },
      'interrupt-ask.ipynb',
      [ASK, 'print("after")'],
      join
    );
    await runCell(page, 0);
    for (const p of [page, b]) {
      await expect(stdinBox(p, 0)).toBeVisible();
    }
    await b.evaluate(() =>
      (window as any).jupyterapp.commands.execute('notebook:interrupt-kernel')
    );
    for (const p of [page, b]) {
      await expect(stdinBox(p, 0)).toHaveCount(0);
      await expect(prompt(p, 0)).not.toHaveText('[*]:');
      await expect(outputText(p, 0)).toContainText('KeyboardInterrupt');
      await expect(statusItem(p)).toHaveAttribute('data-input', '0');
      await expect(statusItem(p)).toHaveAttribute('data-running', '0');
    }
    // The kernel runs the next cell normally.
    await runCell(page, 1);
    await waitForCount(page, 1);
    await expect(outputText(b, 1)).toContainText('after');
    await b.context().close();
  });
});
