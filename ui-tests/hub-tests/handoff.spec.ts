/**
 * The handoff behind a real JupyterHub: the user's server lives under
 * /user/<name>/, behind the hub's proxy, its OAuth cookie and XSRF check.
 */
import { expect, test } from '@playwright/test';
import type { Page, Request } from '@playwright/test';
import {
  HUB,
  cell,
  loginAndOpen,
  modelOutputs,
  outputText,
  prompt,
  readNotebook,
  savedOutputs,
  runCell,
  serverLog,
  serverToken,
  waitForCount,
  writeNotebook
} from './hub';

const SEED =
  'import time\nfor i in range(12): print(i, end=" "); time.sleep(0.5)';
const ALL_NUMBERS = Array.from({ length: 12 }, (_, i) => `${i} `).join('');

/** The REST endpoints of server-side execution, which our extension calls. */
const OURS = /\/api\/kernels\/[^/]+\/(execute|requests\/[^/?]+|input)(\?|$)/;

test('log in through the hub, run the seed cell, close the tab, log in again: every number once, then [n]', async ({
  browser
}) => {
  const user = 'keep-seed';
  writeNotebook(user, 'seed.ipynb', [SEED, 'i']);
  const first = await loginAndOpen(browser, user, 'seed.ipynb');
  await runCell(first.page, 0);
  await expect(prompt(first.page, 0)).toHaveText('[*]:');
  await expect(outputText(first.page, 0)).toContainText('1 ');
  await first.context.close();

  const again = await loginAndOpen(browser, user, 'seed.ipynb');
  const page = again.page;
  await waitForCount(page, 0);
  await expect(outputText(page, 0)).toHaveText(ALL_NUMBERS);
  // Exactly one stream output, holding every number once and in order.
  expect(await modelOutputs(page, 0)).toEqual([
    { output_type: 'stream', name: 'stdout', text: ALL_NUMBERS }
  ]);
  await runCell(page, 1);
  await waitForCount(page, 1);
  await expect(outputText(page, 1)).toHaveText('11');
  await again.context.close();
});

test('the indicator is right and every request of ours goes under /user/<name>/, none refused', async ({
  browser
}) => {
  const user = 'keep-requests';
  const name = 'requests.ipynb';
  writeNotebook(user, name, ['import time\ntime.sleep(6)\nprint("slept")']);
  const ours: Request[] = [];
  const refused: string[] = [];
  const watch = (page: Page) => {
    page.on('request', request => {
      if (OURS.test(new URL(request.url()).pathname)) {
        ours.push(request);
      }
    });
    page.on('response', response => {
      if (response.status() === 401 || response.status() === 403) {
        refused.push(
          `${response.status()} ${response.request().method()} ${response.url()}`
        );
      }
    });
  };
  const { context, page } = await loginAndOpen(browser, user, name, watch);

  await runCell(page, 0);
  await expect(prompt(page, 0)).toHaveText('[*]:');
  const status = page.locator('.jp-handoff-StatusItem');
  await expect(status).toHaveAttribute('data-running', '1');
  await expect(status).toHaveAttribute('data-queued', '0');
  await expect(cell(page, 0).locator('.jp-handoff-CellBadge')).toHaveAttribute(
    'data-state',
    'running'
  );
  await waitForCount(page, 0);
  await expect(outputText(page, 0)).toHaveText('slept');
  await expect(status).toHaveText('Server idle');
  await expect(cell(page, 0).locator('.jp-handoff-CellBadge')).toHaveCount(0);

  // What we sent: the POST, and polls of the request or of the listing.
  const posts = ours.filter(
    r => r.method() === 'POST' && /\/execute$/.test(new URL(r.url()).pathname)
  );
  expect(posts).toHaveLength(1);
  expect(ours.filter(r => r.method() === 'GET').length).toBeGreaterThan(0);
  const prefix = `${HUB}/user/${user}/api/kernels/`;
  expect(ours.map(r => r.url()).filter(url => !url.startsWith(prefix))).toEqual(
    []
  );
  // Each one answered, none refused (XSRF and cookie are on) or lost (404
  // from a URL without the base URL).
  const answers = await Promise.all(
    ours.map(async r => (await r.response())?.status() ?? 0)
  );
  expect(answers.filter(s => s === 0 || s === 404 || s >= 500)).toEqual([]);
  expect(refused).toEqual([]);

  // No token where a user could see or copy it: the page's URL, the saved
  // notebook, the server's log.
  expect(page.url()).not.toMatch(/token/i);
  // jupyter-collaboration saves the shared document by itself.
  await expect
    .poll(() => savedOutputs(user, name), { timeout: 15000 })
    .toEqual([{ output_type: 'stream', name: 'stdout', text: 'slept\n' }]);
  const saved = JSON.stringify(readNotebook(user, name));
  const token = serverToken(user);
  // The credentials: the server's hub token and the hub's and the server's
  // login cookies. (Not the _xsrf cookies nor jupyterhub-session-id, which
  // authenticate nothing on their own: jupyter-server itself logs each new
  // XSRF cookie at INFO level, "Setting new xsrf cookie", and its value
  // starts with the hub's session id.)
  const cookies = (await context.cookies())
    .filter(
      c => !c.name.startsWith('_xsrf') && c.name !== 'jupyterhub-session-id'
    )
    .map(c => c.value);
  expect(token.length).toBeGreaterThan(0);
  expect(cookies.length).toBeGreaterThan(0);
  for (const secret of [token, ...cookies.filter(v => v.length >= 16)]) {
    expect(saved).not.toContain(secret);
    expect(serverLog(user)).not.toContain(secret);
  }
  // A token in a URL (jupyter-server prints its URL with `token=...`).
  expect(serverLog(user)).not.toMatch(/[?&]token=(?!\.\.\.)[^&\s]/);
  await context.close();
});
