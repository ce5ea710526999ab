/**
 * "While you were away" with two browsers open at once (issue 12): a page
 * left open in one browser must not erase what another browser saw.
 *
 * JupyterLab saves a workspace whole (its state database), last writer
 * wins. Kept there, the record browser B wrote was erased by the next save
 * of browser A's page, open all along with an older copy. Kept by our
 * server part (one entry per notebook and browser), it cannot be.
 *
 * Real state database (Galata mocks it by default), real kernels.
 */
import {
  expect,
  galata,
  test,
  type IJupyterLabPageFixture
} from '@jupyterlab/galata';
import type { APIRequestContext, Browser, Request } from '@playwright/test';
import {
  REAL_KERNELS,
  REAL_KERNELS_PAGE,
  activeKernelId,
  cell,
  fillNotebook,
  notifications,
  runCell,
  seenRecordsOnServer,
  waitForCount,
  waitForServerIdle
} from './helpers';

test.use({ ...REAL_KERNELS, mockState: false });

const NS = 'jupyterlab-handoff-seen';

/** One cell of a browser's record on the server: [count, running, outputs, unseen, time]. */
async function seenCell(
  request: APIRequestContext,
  path: string,
  browser: string,
  cellId: string
): Promise<unknown[] | null> {
  const records = await seenRecordsOnServer(request);
  const id = `${NS}:${encodeURIComponent(path)}:${browser}`;
  return records[id]?.cells?.[cellId] ?? null;
}

/** This page's browser id (what its records are named after). */
function browserIdOf(page: IJupyterLabPageFixture): Promise<string> {
  return page.evaluate(() =>
    window.localStorage.getItem('jupyterlab-handoff-browser')
  ) as Promise<string>;
}

/**
 * JupyterLab in another browser context on the same workspace (Galata would
 * reset it): it opens on the layout the workspace holds.
 */
async function keepWorkspacePage(
  browser: Browser,
  baseURL: string,
  tmpPath: string
): Promise<IJupyterLabPageFixture> {
  const { page } = await galata.newPage({
    baseURL,
    browser,
    tmpPath,
    waitForApplication: async page => {
      await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
    },
    ...REAL_KERNELS_PAGE,
    mockState: false,
    resetWorkspace: false
  });
  return page;
}

/**
 * Hold a page's saves from the first one that carries its record with the
 * given facts (to our route or in its workspace) until `open()`: the
 * moment the race needs, B's save arriving after A read the server, made
 * certain. The server answers every request itself.
 */
async function holdSaves(
  page: IJupyterLabPageFixture,
  recordId: string,
  carries: (record: any) => boolean
) {
  let open = () => undefined as void;
  const gate = new Promise<void>(resolve => (open = resolve));
  let held = (_: Request) => undefined as void;
  const first = new Promise<Request>(resolve => (held = resolve));
  let closed = false;
  const record = (request: Request): any => {
    try {
      const body = JSON.parse(request.postData() ?? '');
      const url = new URL(request.url());
      if (url.pathname.includes('/api/handoff/seen/')) {
        const id = decodeURIComponent(url.pathname.split('/').pop()!);
        return id === recordId ? body : null;
      }
      return body?.data?.[recordId] ?? null;
    } catch {
      return null;
    }
  };
  await page.route(
    /\/lab\/api\/workspaces\/|\/api\/handoff\/seen\//,
    async route => {
      const request = route.request();
      if (request.method() === 'PUT') {
        if (!closed && carries(record(request))) {
          closed = true;
          held(request);
        }
        if (closed) {
          await gate;
        }
      }
      await route.fallback();
    }
  );
  return { first, open: () => open() };
}

test('a page left open in another browser cannot erase what this browser saw', async ({
  page,
  browser,
  baseURL,
  tmpPath
}) => {
  const name = 'away-open.ipynb';
  const path = `${tmpPath}/${name}`;
  const otherName = 'away-other.ipynb';
  const otherPath = `${tmpPath}/${otherName}`;
  const request = page.request;

  // A: the test's page. It opens both notebooks; the first one's long cell
  // runs until the test lets it end.
  await fillNotebook(page, tmpPath, otherName, ['1 + 1']);
  await runCell(page, 0);
  await waitForCount(page, 0);
  await fillNotebook(page, tmpPath, name, [
    'import os, time\nwhile not os.path.exists("go-away-open"):\n    time.sleep(0.1)\nprint("done")',
    '1 + 1'
  ]);
  const kernelId = await activeKernelId(page);
  const a = await browserIdOf(page);

  // B: another browser, open on the same notebook (the workspace's layout).
  const b = await keepWorkspacePage(browser, baseURL!, tmpPath);
  await expect(b.getByRole('tab', { name, exact: true })).toHaveCount(1, {
    timeout: 60000
  });
  await b.notebook.activate(name);
  const bId = await browserIdOf(b);
  expect(bId).not.toBe(a);
  const bRecord = `${NS}:${encodeURIComponent(path)}:${bId}`;
  // B's record once it saw the quick cell finish and the long one running.
  const bSaw = (record: any) =>
    record?.cells?.['cell-1']?.[0] === 1 &&
    record?.cells?.['cell-0']?.[1] === 1;
  const bSaves = await holdSaves(b, bRecord, bSaw);

  // A turns to the other notebook; its page stays open all along.
  await page.notebook.activate(name);
  await page.notebook.close(true);
  await page.notebook.activate(otherName);

  // B runs the quick cell (and sees it finish), then the long one; its
  // save of what it saw is held ...
  await runCell(b, 1);
  await waitForCount(b, 1);
  await runCell(b, 0);
  await expect(cell(b, 0).locator('.jp-handoff-CellBadge')).toHaveAttribute(
    'data-state',
    'running'
  );
  const bSave = await bSaves.first;
  // ... while A reads the server and saves its workspace (a layout change) ...
  const aSaved = () =>
    page.waitForResponse(
      response =>
        response.request().method() === 'PUT' &&
        response.url().includes('/lab/api/workspaces/')
    );
  let saved = aSaved();
  await page.evaluate(async () => {
    await (window as any).jupyterapp.commands.execute('launcher:create');
  });
  expect((await saved).ok()).toBe(true);
  // ... then B's save lands, and B leaves.
  bSaves.open();
  expect((await bSave.response())?.ok()).toBe(true);
  expect(bSaw((await seenRecordsOnServer(request))[bRecord])).toBe(true);
  await b.context().close();

  // A, open all along, writes what it sees (its notebook's outputs
  // cleared, the launcher left in front: no other change of its state) ...
  await page.evaluate(async () => {
    await (window as any).jupyterapp.commands.execute(
      'notebook:clear-all-cell-outputs',
      { activate: false }
    );
  });
  await expect
    .poll(async () => (await seenCell(request, otherPath, a, 'cell-0'))?.[2], {
      timeout: 30000
    })
    .toBe('0');
  // ... and saves its workspace again.
  saved = aSaved();
  await page.evaluate(async () => {
    await (window as any).jupyterapp.commands.execute('launcher:create');
  });
  expect((await saved).ok()).toBe(true);
  // What B saw is still on the server.
  expect(bSaw((await seenRecordsOnServer(request))[bRecord])).toBe(true);

  // The long run finishes while no page follows the notebook.
  const go = await request.put(`/api/contents/${tmpPath}/go-away-open`, {
    data: { type: 'file', format: 'text', content: '' }
  });
  expect(go.ok()).toBe(true);
  await waitForServerIdle(request, kernelId);

  // C: a new browser context opens the notebook. Only the long cell
  // finished since the user left: the quick one was seen finishing in B.
  const c = await keepWorkspacePage(browser, baseURL!, tmpPath);
  await c.evaluate(async path => {
    await (window as any).jupyterapp.commands.execute('docmanager:open', {
      path
    });
  }, path);
  await c.notebook.activate(name);
  const toast = notifications(c).filter({ hasText: 'since you left' });
  await expect(toast).toHaveCount(1);
  await expect(toast).toContainText(': 1 cell finished since you left');
  await expect(cell(c, 0).locator('.jp-handoff-CellBadge')).toHaveAttribute(
    'data-state',
    'unseen'
  );
  // The quick cell has no mark (it would read "unseen" if B's record
  // had been lost).
  await expect(cell(c, 1).locator('.jp-handoff-CellBadge')).toHaveCount(0);
  await toast.getByRole('button', { name: 'Show' }).click();
  await expect
    .poll(() =>
      c.evaluate(
        () =>
          (window as any).jupyterapp.shell.currentWidget.content.activeCellIndex
      )
    )
    .toBe(0);
  await c.context().close();
});
