/**
 * Every run on the kernel, wherever it started, and hearing when it ends
 * (issue 12):
 *
 * 1. a client that is not JupyterLab (`foreign_client.py`: its own kernel
 *    websocket, writing into the shared document) runs a 10 s cell: the
 *    status item and the list show it, and a cell run from the tab during
 *    it stays queued until the kernel starts it;
 * 2. notices when a run ends while the page is hidden (emulated) or the
 *    notebook is not the current widget;
 * 3. screenshots of the foreign-run state, light and dark.
 *
 * "While you were away" in a browser that never saw the notebook is in
 * `awayuser.spec.ts`. The state database is the real one (Galata mocks it
 * by default).
 */
import { expect, test } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';
import {
  REAL_KERNELS,
  cell,
  fillNotebook,
  notifications,
  runCell,
  waitForCount
} from './helpers';
import { runForeignCell } from './foreignclient';

test.use({ ...REAL_KERNELS, mockState: false });

const FOREIGN_CELL = 'import time\ntime.sleep(10)\nprint("foreign done")';

function statusItem(page: Page): Locator {
  return page.locator('.jp-handoff-StatusItem');
}

/** The status item's words, without the foreign run's elapsed time. */
function statusLabel(page: Page): Locator {
  return statusItem(page).locator('.jp-handoff-StatusItem-label');
}

function badge(page: Page, index: number): Locator {
  return cell(page, index).locator('.jp-handoff-CellBadge');
}

/** Record the states of the n-th cell's badge, with the page's clock. */
async function recordBadge(page: Page, index: number): Promise<void> {
  await page.evaluate(index => {
    const w = window as any;
    const node = document.querySelectorAll(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell'
    )[index];
    w.__badgeStates = [];
    const record = () =>
      w.__badgeStates.push([
        performance.now(),
        node
          .querySelector('.jp-handoff-CellBadge')
          ?.getAttribute('data-state') ?? 'none'
      ]);
    record();
    new MutationObserver(record).observe(node, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-state']
    });
  }, index);
}

/** Note when the tab hears the kernel go idle after a session's request. */
async function recordIdleOf(page: Page, session: string): Promise<void> {
  await page.evaluate(session => {
    const w = window as any;
    w.__foreignIdleAt = null;
    const kernel =
      w.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    kernel.iopubMessage.connect((_: unknown, msg: any) => {
      if (
        msg.header.msg_type === 'status' &&
        msg.content.execution_state === 'idle' &&
        msg.parent_header.session === session &&
        w.__foreignIdleAt === null
      ) {
        w.__foreignIdleAt = performance.now();
      }
    });
  }, session);
}

test('a run from another client shows in the status item and the list; our cell waits queued behind it', async ({
  page,
  baseURL,
  tmpPath
}) => {
  const name = 'foreign.ipynb';
  await fillNotebook(page, tmpPath, name, [FOREIGN_CELL, 'x = 41\nx + 1']);
  await expect(statusItem(page)).toHaveText('Server idle');

  // Like jpterm: runs over its own websocket, writes no execution_state.
  const client = runForeignCell(baseURL!, `${tmpPath}/${name}`, {
    cell: 0,
    noState: true
  });
  const { session } = await client.next('connected');
  await recordIdleOf(page, session as string);
  await client.next('started');

  await expect(statusLabel(page)).toHaveText(
    'Busy with a run from another client'
  );
  await expect(statusItem(page)).toHaveAttribute('data-foreign', '1');
  await expect(
    statusItem(page).locator('.jp-handoff-StatusItem-elapsed')
  ).toHaveText(/^0:\d\d$/);
  // The document does not say which cell; its code does.
  await expect(badge(page, 0)).toHaveAttribute('data-state', 'running');
  await expect(badge(page, 0)).toHaveAttribute('data-foreign', 'true');

  await statusItem(page).click();
  const list = page.locator('.jp-handoff-InFlightPanel');
  await expect(list).toBeVisible();
  const row = list.locator('.jp-handoff-InFlightRow[data-foreign="true"]');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Another client');
  await expect(row).toContainText('import time');

  // Our cell goes to the server, which hands it to the busy kernel.
  await recordBadge(page, 1);
  await runCell(page, 1);
  await expect(badge(page, 1)).toHaveAttribute('data-state', 'queued');
  await expect(statusLabel(page)).toHaveText(
    'Busy with a run from another client · 1 queued on server'
  );

  expect((await client.next('finished')).status).toBe('ok');
  expect(await client.exited).toBe(0);
  await waitForCount(page, 1);
  await expect(cell(page, 1).locator('.jp-OutputArea-output')).toHaveText('42');
  await expect(statusItem(page)).toHaveText('Server idle');

  // Never shown running before the kernel was done with the other client.
  const { states, idleAt } = await page.evaluate(() => ({
    states: (window as any).__badgeStates as Array<[number, string]>,
    idleAt: (window as any).__foreignIdleAt as number | null
  }));
  expect(idleAt).not.toBeNull();
  expect(states.some(([, state]) => state === 'queued')).toBe(true);
  const early = states.filter(
    ([at, state]) => state === 'running' && at < idleAt!
  );
  expect(early).toEqual([]);
});

/** Emulate a hidden page and record browser notifications. */
async function emulateHiddenPage(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as any;
    w.__notes = [];
    w.__permissionAsked = 0;
    w.__hidden = false;
    class RecordingNotification {
      static permission = 'default';
      static async requestPermission() {
        w.__permissionAsked++;
        RecordingNotification.permission = 'granted';
        return 'granted';
      }
      onclick: ((event: Event) => void) | null = null;
      constructor(
        readonly title: string,
        readonly options: NotificationOptions = {}
      ) {
        w.__notes.push(this);
      }
      close() {
        // Nothing to close.
      }
    }
    w.Notification = RecordingNotification;
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (w.__hidden ? 'hidden' : 'visible')
    });
    Object.defineProperty(document, 'hidden', {
      configurable: true,
      get: () => w.__hidden
    });
  });
}

async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate(hidden => {
    (window as any).__hidden = hidden;
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

/** Change one of our settings, as the Settings Editor does. */
async function setSetting(page: Page, key: string, value: unknown) {
  await page.evaluate(
    async ([key, value]) => {
      const registry = await (window as any).galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      await registry.set(
        '@jupyterlab-handoff/extension:server-execution',
        key,
        value
      );
    },
    [key, value] as const
  );
}

test.describe('notices when a run ends', () => {
  test('a 12 s run ending in a hidden page gives one notification; clicking it selects the cell; a 2 s run gives none', async ({
    page,
    tmpPath
  }) => {
    const name = 'notify.ipynb';
    await fillNotebook(page, tmpPath, name, [
      'import time\ntime.sleep(12)',
      'import time\ntime.sleep(2)',
      '3'
    ]);
    await emulateHiddenPage(page);
    // Never asked on load; asked once the user turns them on.
    expect(await page.evaluate(() => (window as any).__permissionAsked)).toBe(
      0
    );
    await setSetting(page, 'browserNotifications', true);
    await expect
      .poll(() => page.evaluate(() => (window as any).__permissionAsked))
      .toBe(1);

    await runCell(page, 0);
    await expect(badge(page, 0)).toHaveAttribute('data-state', 'running');
    await page.notebook.selectCells(2);
    await setHidden(page, true);
    await waitForCount(page, 0, 60000);
    await expect
      .poll(() => page.evaluate(() => (window as any).__notes.length))
      .toBe(1);
    const note = await page.evaluate(() => {
      const n = (window as any).__notes[0];
      return { title: n.title, body: n.options.body };
    });
    expect(note.title).toBe(name);
    expect(note.body).toMatch(/^Cell 1 finished after 0:1[2-9]$/);
    await page.evaluate(() =>
      (window as any).__notes[0].onclick?.(new Event('click'))
    );
    await setHidden(page, false);
    await expect
      .poll(() =>
        page.evaluate(
          () =>
            (window as any).jupyterapp.shell.currentWidget.content
              .activeCellIndex
        )
      )
      .toBe(0);

    // A short run: nothing.
    await setHidden(page, true);
    await runCell(page, 1);
    await waitForCount(page, 1);
    await expect(statusItem(page)).toHaveText('Server idle');
    expect(await page.evaluate(() => (window as any).__notes.length)).toBe(1);
    await setHidden(page, false);
  });

  test('a run ending while another widget is current gives an in-app notice with Go to cell', async ({
    page,
    tmpPath
  }) => {
    const name = 'elsewhere.ipynb';
    await fillNotebook(page, tmpPath, name, [
      '1',
      'import time\ntime.sleep(12)\nraise ValueError("boom")'
    ]);
    await runCell(page, 1);
    await expect(badge(page, 1)).toHaveAttribute('data-state', 'running');
    // The user goes elsewhere in JupyterLab (no emulation: the page stays
    // visible).
    await page.evaluate(async () => {
      await (window as any).jupyterapp.commands.execute('launcher:create');
    });
    const toast = notifications(page).filter({
      hasText: `${name}: Cell 2 failed after`
    });
    await expect(toast).toHaveCount(1, { timeout: 60000 });
    await toast.getByRole('button', { name: 'Go to cell' }).click();
    await expect
      .poll(() =>
        page.evaluate(() => {
          const widget = (window as any).jupyterapp.shell.currentWidget;
          return [widget.context?.path, widget.content?.activeCellIndex];
        })
      )
      .toEqual([`${tmpPath}/${name}`, 1]);
  });
});

test.describe('screenshots', () => {
  for (const theme of ['light', 'dark'] as const) {
    test(`a run from another client, ${theme} theme`, async ({
      page,
      baseURL,
      tmpPath
    }) => {
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      const name = `foreign-${theme}.ipynb`;
      await fillNotebook(page, tmpPath, name, [FOREIGN_CELL, '1 + 1']);
      const client = runForeignCell(baseURL!, `${tmpPath}/${name}`, {
        cell: 0
      });
      await client.next('started');
      await expect(statusItem(page)).toHaveAttribute('data-foreign', '1');
      await runCell(page, 1);
      await expect(badge(page, 1)).toHaveAttribute('data-state', 'queued');
      await page.notebook.selectCells(0);
      await page.mouse.move(0, 0);
      await page.addStyleTag({
        content:
          '.jp-StatusBar-Left > :not(.jp-handoff-StatusItem):not(:has(.jp-handoff-StatusItem)) { display: none !important; }'
      });
      // The elapsed time ticks: masked.
      expect(
        await statusItem(page).screenshot({
          mask: [statusItem(page).locator('.jp-handoff-StatusItem-elapsed')]
        })
      ).toMatchSnapshot(`foreign-status-${theme}.png`);
      const first = (await cell(page, 0).boundingBox())!;
      const second = (await cell(page, 1).boundingBox())!;
      expect(
        await page.screenshot({
          clip: {
            x: first.x,
            y: first.y,
            width: 80,
            height: second.y + second.height - first.y
          }
        })
      ).toMatchSnapshot(`foreign-badges-${theme}.png`);
      expect(await client.exited).toBe(0);
      await waitForCount(page, 1);
    });
  }
});
