/**
 * "While you were away" for the user, not the browser (issue 12): what a
 * browser saw is kept by the server (our server part's route, see
 * awayopen.spec.ts for two browsers open at once), so another browser gets
 * the same news and marks.
 *
 * Galata mocks the state database by default: these tests use the real
 * one, and the second browser keeps the workspace (Galata resets it).
 */
import { expect, galata, test } from '@jupyterlab/galata';
import {
  REAL_KERNELS,
  REAL_KERNELS_PAGE,
  activeKernelId,
  cell,
  fillNotebook,
  notifications,
  runCell,
  seenRecordsOnServer,
  waitForServerIdle
} from './helpers';

test.use({ ...REAL_KERNELS, mockState: false });

test('a browser that never saw the notebook learns what finished since the user left', async ({
  page,
  browser,
  baseURL,
  tmpPath
}) => {
  const name = 'away-user.ipynb';
  const path = `${tmpPath}/${name}`;
  // A: the test's page, the only page open until it closes (two pages
  // open at once: awayopen.spec.ts).
  // The run goes on until the test lets it end (A must have closed by
  // then, however slow the machine).
  await fillNotebook(page, tmpPath, name, [
    'import os, time\nwhile not os.path.exists("go-away-user"):\n    time.sleep(0.1)\nprint("done")',
    '1 + 1'
  ]);
  const kernelId = await activeKernelId(page);
  await runCell(page, 0);
  await expect(cell(page, 0).locator('.jp-handoff-CellBadge')).toHaveAttribute(
    'data-state',
    'running'
  );
  // What A saw reached the server, with the cell running.
  await expect
    .poll(
      async () => {
        const data = await seenRecordsOnServer(page.request);
        const id = Object.keys(data).find(
          id =>
            id.startsWith('jupyterlab-handoff-seen:') &&
            id.includes(encodeURIComponent(path))
        );
        return id ? data[id].cells['cell-0']?.[1] : null;
      },
      { timeout: 30000 }
    )
    .toBe(1);
  const request = page.context().request;
  await page.close();

  // The run finishes with no tab open.
  const go = await request.put(`/api/contents/${tmpPath}/go-away-user`, {
    data: { type: 'file', format: 'text', content: '' }
  });
  expect(go.ok()).toBe(true);
  await waitForServerIdle(request, kernelId);

  // B: a new browser context, another browser for all it knows.
  // It keeps the workspace (Galata resets it for each new page), so it
  // opens on A's layout, not on the launcher Galata waits for by default.
  const { page: b } = await galata.newPage({
    baseURL: baseURL!,
    browser,
    tmpPath,
    waitForApplication: async page => {
      await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
    },
    ...REAL_KERNELS_PAGE,
    mockState: false,
    resetWorkspace: false
  });
  // B restores the workspace's layout, A's open notebook with it, as the
  // user's other browser would.
  await expect(b.getByRole('tab', { name, exact: true })).toHaveCount(1, {
    timeout: 60000
  });
  await b.notebook.activate(name);
  const toast = notifications(b).filter({
    hasText: '1 cell finished since you left'
  });
  await expect(toast).toHaveCount(1);
  await expect(cell(b, 0).locator('.jp-handoff-CellBadge')).toHaveAttribute(
    'data-state',
    'unseen'
  );
  await toast.getByRole('button', { name: 'Show' }).click();
  await expect
    .poll(() =>
      b.evaluate(
        () =>
          (window as any).jupyterapp.shell.currentWidget.content.activeCellIndex
      )
    )
    .toBe(0);
});
