/**
 * DRAFT, FLAKY (issue 12): passed 1 of the last 2 runs. In the failures,
 * A's record with the cell running never stayed on the server: another
 * open page of the same workspace (Galata's own page) saves the whole
 * workspace with its older copy. Each page now pulls the other browsers'
 * records when its state changes, which narrows the race but does not
 * close it. Kept out of every Playwright project until it is fixed.
 *
 * "While you were away" for the user, not the browser (issue 12): what a
 * browser saw is kept in the state database the server keeps per
 * workspace, so another browser gets the same news and marks.
 *
 * Galata mocks the state database by default: these tests use the real
 * one, and the second browser keeps the workspace (Galata resets it).
 */
import { expect, galata, test } from '@jupyterlab/galata';
import {
  REAL_KERNELS,
  REAL_KERNELS_PAGE,
  cell,
  fillNotebook,
  notifications,
  openNotebook,
  runCell,
  waitForServerIdle
} from '../tests/helpers';

test.use({ ...REAL_KERNELS, mockState: false });

test('a browser that never saw the notebook learns what finished since the user left', async ({
  page,
  browser,
  baseURL,
  tmpPath,
  waitForApplication
}) => {
  const name = 'away-user.ipynb';
  const path = `${tmpPath}/${name}`;
  const open = () =>
    galata.newPage({
      baseURL: baseURL!,
      browser,
      tmpPath,
      waitForApplication,
      ...REAL_KERNELS_PAGE,
      mockState: false,
      resetWorkspace: false
    });
  // A: a browser context of its own, closed below (the fixture's page stays
  // open, untouched, as Galata tears it down).
  const { page: a } = await open();
  await fillNotebook(a, tmpPath, name, [
    'import time\ntime.sleep(6)\nprint("done")',
    '1 + 1'
  ]);
  const sessions = await (await page.request.get('/api/sessions')).json();
  const kernelId: string = sessions.find((s: any) => s.path === path).kernel.id;
  await runCell(a, 0);
  await expect(cell(a, 0).locator('.jp-handoff-CellBadge')).toHaveAttribute(
    'data-state',
    'running'
  );
  // What A saw reached the server's workspace, with the cell running.
  await expect
    .poll(
      async () => {
        const reply = await page.request.get('/lab/api/workspaces/default');
        const data = (await reply.json()).data ?? {};
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
  await a.context().close();

  // The run finishes with no tab open.
  await waitForServerIdle(page.request, kernelId);

  // B: a new browser context, another browser for all it knows.
  const { page: b } = await open();
  await openNotebook(b, path);
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
