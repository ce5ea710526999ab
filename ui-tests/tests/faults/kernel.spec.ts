/**
 * The kernel dies (os._exit) or is restarted in the
 * middle of a Run All, with the notebook open in two browser contexts: the
 * running cell says so once with what it printed, no cell is left [*] in
 * either tab, and the next run works.
 */
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import {
  cells,
  counting,
  errorOutputs,
  LabServer,
  makeRoot,
  numbers,
  openTab,
  port,
  printed,
  prompts,
  runAll,
  runCell,
  shownStdout,
  writeNotebook
} from './harness';

const NAME = 'runall.ipynb';
let server: LabServer;
let root: string;

test.beforeEach(async () => {
  root = makeRoot();
});

test.afterEach(async ({ browser }) => {
  for (const context of browser.contexts()) {
    await context.close();
  }
  await server.stop('SIGKILL');
});

async function expectCutShort(pages: Page[], words: RegExp, upTo: number) {
  for (const page of pages) {
    // The running cell says what happened, once, under what it printed
    // (a restart may also make the kernel print a KeyboardInterrupt).
    const message = errorOutputs(page, 0).filter({ hasText: 'cut short' });
    await expect(message).toHaveCount(1, { timeout: 30000 });
    await expect(message).toContainText(words);
    const shown = numbers(
      (await shownStdout(page, 0).allTextContents()).join('\n')
    );
    expect(shown.slice(0, upTo + 1)).toEqual(
      Array.from({ length: upTo + 1 }, (_, i) => i)
    );
    // No [*] anywhere; the queued cells never ran.
    await expect
      .poll(async () => (await prompts(page)).filter(p => p.includes('*')))
      .toEqual([]);
    expect((await prompts(page)).slice(1)).toEqual(['[]:', '[]:']);
    await expect(
      cells(page).nth(1).locator('.jp-OutputArea-output')
    ).toHaveCount(0);
    await expect(
      cells(page).nth(2).locator('.jp-OutputArea-output')
    ).toHaveCount(0);
  }
}

async function nextRunWorks(page: Page, other: Page) {
  // As a user would after the restart, without waiting for the indicator
  // (after an automatic restart JupyterLab's stays at "starting").
  await runCell(page, 1);
  for (const p of [page, other]) {
    await expect(shownStdout(p, 1)).toHaveText('after\n', { timeout: 60000 });
    await expect
      .poll(() => prompts(p), { timeout: 30000 })
      .toEqual(['[]:', expect.stringMatching(/^\[\d+\]:$/), '[]:']);
  }
}

test('kernel death mid-Run All: the message in both tabs, no [*], the next run works', async ({
  browser
}) => {
  writeNotebook(root, NAME, [counting(5), "print('after')", "print('never')"]);
  server = new LabServer(root, port());
  await server.start();
  const a = await openTab(browser, server.url, NAME);
  const b = await openTab(browser, server.url, NAME);

  await runAll(a);
  await expectCutShort([a, b], /kernel died/, 5);
  expect(printed(root)).toEqual([0, 1, 2, 3, 4, 5]);
  // JupyterLab's own dialog about the death, in the tab that runs next.
  await b
    .locator('.jp-Dialog')
    .getByRole('button', { name: /ok/i })
    .click({ timeout: 30000 });
  await nextRunWorks(b, a);
});

test('kernel restart mid-Run All: the message in both tabs, no [*], the next run works', async ({
  browser
}) => {
  writeNotebook(root, NAME, [
    counting(null),
    "print('after')",
    "print('never')"
  ]);
  server = new LabServer(root, port());
  await server.start();
  const a = await openTab(browser, server.url, NAME);
  const b = await openTab(browser, server.url, NAME);

  await runAll(a);
  await expect
    .poll(() => printed(root).length, { timeout: 60000 })
    .toBeGreaterThanOrEqual(4);
  // Restart from B, as a user would (JupyterLab's own command, no dialog).
  // Restart from A (its kernel connection, as the Restart command does
  // after its confirmation dialog).
  await a.evaluate(() =>
    (
      window as any
    ).jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()
  );
  const upTo = printed(root).length - 1;
  await expectCutShort([a, b], /kernel was restarted/, Math.max(0, upTo - 1));
  await nextRunWorks(a, b);
});
