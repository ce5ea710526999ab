/**
 * The tab's connections are cut mid-run (its websockets close, as after a
 * laptop sleep or a proxy restart): after reconnecting, every output is
 * there exactly once and no cell is left [*].
 */
import { expect, test } from '@playwright/test';
import {
  COUNTING,
  CuttableProxy,
  LabServer,
  makeRoot,
  numbers,
  openTab,
  port,
  printed,
  runCell,
  shownStdout,
  writeNotebook
} from './harness';

// 40 numbers, 10 s.
const SHORT = COUNTING.replace('range(240)', 'range(40)');
let server: LabServer;
let proxy: CuttableProxy;

test.afterEach(async ({ browser }) => {
  for (const context of browser.contexts()) {
    await context.close();
  }
  await proxy.cut();
  await server.stop('SIGKILL');
});

test('websockets closed mid-run: every output exactly once, no [*]', async ({
  browser
}) => {
  const root = makeRoot();
  writeNotebook(root, 'count.ipynb', [SHORT]);
  server = new LabServer(root, port());
  await server.start();
  proxy = new CuttableProxy(port(), server.port);
  await proxy.restore();
  const page = await openTab(browser, proxy.url, 'count.ipynb');
  const sockets: string[] = [];
  page.on('websocket', ws => sockets.push(ws.url()));

  await runCell(page, 0);
  await expect
    .poll(() => printed(root).length, { timeout: 60000 })
    .toBeGreaterThanOrEqual(8);
  await proxy.cut();
  await page.waitForTimeout(3000);
  const openedBeforeRestore = sockets.length;
  await proxy.restore();

  await expect(
    page
      .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputPrompt')
      .first()
  ).toHaveText(/^\[\d+\]:$/, { timeout: 60000 });
  expect(printed(root)).toHaveLength(40);
  const shown = numbers(
    (await shownStdout(page, 0).allTextContents()).join('\n')
  );
  expect(shown).toEqual(Array.from({ length: 40 }, (_, i) => i));
  // The tab really reconnected its websockets after the cut.
  expect(sockets.length).toBeGreaterThan(openedBeforeRestore);
});
