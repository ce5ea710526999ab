/**
 * Kernel restart and death notes written by the server part
 * (jupyterlab_handoff/kernelcuts.py), whichever tab is open, or none:
 *
 * - a restart from the OTHER tab than the one that ran the cells: the cell
 *   ends with the note once, never with the kernel's KeyboardInterrupt
 *   reply (which used to arrive before that tab heard of the restart);
 * - a kernel death with no tab open: a browser opened afterwards sees the
 *   note once, no [*], and the next run works.
 */
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import * as path from 'path';
import { readSavedNotebook } from '../savednotebook';
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

const NAME = 'notes.ipynb';
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

/**
 * The first cell shows 0..upTo (at least) then the note, once, and no
 * other error; no [*]; the queued cells never ran.
 */
async function expectNote(pages: Page[], words: RegExp, upTo: number) {
  for (const page of pages) {
    const errors = errorOutputs(page, 0);
    await expect(errors.filter({ hasText: 'cut short' })).toHaveCount(1, {
      timeout: 30000
    });
    // Nothing else: no KeyboardInterrupt, no ServerExecutionError.
    await expect(errors).toHaveCount(1);
    await expect(errors).toContainText(words);
    const shown = numbers(
      (await shownStdout(page, 0).allTextContents()).join('\n')
    );
    expect(shown.slice(0, upTo + 1)).toEqual(
      Array.from({ length: upTo + 1 }, (_, i) => i)
    );
    expect(shown).toEqual(Array.from({ length: shown.length }, (_, i) => i));
    await expect
      .poll(async () => (await prompts(page)).filter(p => p.includes('*')), {
        timeout: 30000
      })
      .toEqual([]);
    expect(await prompts(page)).toEqual(['[]:', '[]:', '[]:']);
    for (const index of [1, 2]) {
      await expect(
        cells(page).nth(index).locator('.jp-OutputArea-output')
      ).toHaveCount(0);
    }
  }
}

/** The saved file: the first cell's error outputs settle on just the note. */
async function expectSavedNote(words: RegExp) {
  await expect
    .poll(
      () =>
        readSavedNotebook(path.join(root, NAME))
          .cells[0].outputs.filter((o: any) => o.output_type === 'error')
          .map((o: any) => `${o.ename}: ${o.evalue}`),
      { timeout: 30000 }
    )
    .toEqual([expect.stringMatching(words)]);
}

async function nextRunWorks(page: Page, others: Page[]) {
  await runCell(page, 1);
  for (const p of [page, ...others]) {
    await expect(shownStdout(p, 1)).toHaveText('after\n', { timeout: 60000 });
    await expect
      .poll(() => prompts(p), { timeout: 30000 })
      .toEqual(['[]:', expect.stringMatching(/^\[\d+\]:$/), '[]:']);
  }
}

test('kernel restart from the other tab mid-Run All: the note once, never the KeyboardInterrupt, in both tabs, a later tab and the file', async ({
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
  // The cell runs and A shows it printing: the kernel will answer the
  // restart's interrupt with a KeyboardInterrupt reply, which A's server
  // run receives before A hears of a restart it did not ask for.
  await expect
    .poll(
      async () =>
        numbers((await shownStdout(a, 0).allTextContents()).join('\n')).length,
      { timeout: 60000 }
    )
    .toBeGreaterThanOrEqual(4);
  // Restart from B (its kernel connection, as the Restart command does
  // after its confirmation dialog).
  await b.evaluate(() =>
    (
      window as any
    ).jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()
  );
  const upTo = printed(root).length - 1;
  await expectNote([a, b], /kernel was restarted/, Math.max(0, upTo - 1));
  await expectSavedNote(/^RunCutShort: .*kernel was restarted/);
  const later = await openTab(browser, server.url, NAME);
  await expectNote([later], /kernel was restarted/, Math.max(0, upTo - 1));
  await nextRunWorks(a, [b, later]);
});

test('kernel death with no tab open: a browser opened later sees the note once, no [*], and the next run works', async ({
  browser
}) => {
  const dieAt = 12;
  writeNotebook(root, NAME, [
    counting(dieAt),
    "print('after')",
    "print('never')"
  ]);
  server = new LabServer(root, port());
  await server.start();
  const a = await openTab(browser, server.url, NAME);
  await runAll(a);
  // Cells 1 and 2 wait, marked [*] by this tab, when it goes away.
  await expect
    .poll(() => printed(root).length, { timeout: 60000 })
    .toBeGreaterThanOrEqual(2);
  await a.context().close();
  expect(printed(root).length).toBeLessThan(dieAt);

  // The kernel dies with no tab open; the server tells it in the file.
  await expect
    .poll(() => printed(root).length, { timeout: 60000 })
    .toBe(dieAt + 1);
  await expectSavedNote(/^RunCutShort: .*kernel died/);

  const b = await openTab(browser, server.url, NAME);
  await expectNote([b], /kernel died/, dieAt);
  await nextRunWorks(b, []);
});
