/**
 * Run All and the seed scenario on jupyverse from the notebook UI: the
 * cells of a Run All go to our queue module in one request, so they are
 * queued all or none (a failure, an interrupt or a closed tab cannot split
 * them). Token auth on, plain Playwright pages, every browser its own
 * context.
 */
import { expect, test } from '@playwright/test';
import {
  handoffPosts,
  login,
  marks,
  newBrowser,
  openNotebook,
  output,
  prompt,
  runAll,
  statusItem,
  writeNotebook
} from './helpers';

test('the seed: close the tab mid-run, a new browser sees [*], 0-11 once, then [n]; i is 11', async ({
  browser
}) => {
  // Held at 2 until the test says go, so the new browser opens mid-run
  // however loaded the machine is.
  const loop = [
    'for i in range(12):',
    '    if i == 2:',
    "        while not pathlib.Path('go-ui').exists(): time.sleep(0.1)",
    "    print(i, end=' ', flush=True)",
    '    time.sleep(0.5)'
  ].join('\n');
  const first = await (await browser.newContext()).newPage();
  await login(first);
  await writeNotebook(first, 'ui-seed.ipynb', [
    'import time, pathlib',
    loop,
    'i'
  ]);
  await openNotebook(first, 'ui-seed.ipynb');
  await first.locator('.jp-Notebook .jp-Cell').first().click();
  await first.keyboard.press('Shift+Enter');
  await first.keyboard.press('Shift+Enter');
  await expect(prompt(first, 1)).toHaveText('[*]:');
  await expect(output(first, 1)).toHaveText('0 1 ');
  await first.context().close();

  const second = await newBrowser(browser, 'ui-seed.ipynb');
  await expect(prompt(second, 1)).toHaveText('[*]:');
  const go = await second.request.put('/api/contents/go-ui', {
    data: { path: 'go-ui', type: 'file', format: 'text', content: '' }
  });
  expect(go.ok()).toBe(true);
  await expect(prompt(second, 1)).toHaveText('[2]:', { timeout: 30000 });
  await expect(output(second, 1)).toHaveText(
    Array.from({ length: 12 }, (_, i) => `${i} `).join('')
  );
  await second.locator('.jp-Notebook .jp-Cell').nth(2).click();
  await second.keyboard.press('Shift+Enter');
  await expect(output(second, 2)).toHaveText('11');
  await second.context().close();
});

test('Run All over 6 cells whose 3rd raises: 4-6 do not run, the server lives', async ({
  page
}) => {
  await login(page);
  await writeNotebook(page, 'ui-error.ipynb', [
    'print(1)',
    'print(2)',
    '1/0',
    'print(4)',
    'print(5)',
    'print(6)'
  ]);
  const posts = handoffPosts(page);
  await openNotebook(page, 'ui-error.ipynb');
  await runAll(page);
  await expect(output(page, 2)).toContainText('ZeroDivisionError', {
    timeout: 30000
  });
  await expect(prompt(page, 2)).toHaveText('[3]:');
  for (let i = 3; i < 6; i++) {
    await expect(prompt(page, i)).toHaveText('[ ]:');
    await expect(output(page, i)).toHaveCount(0);
  }
  // The six cells went to the server in one request.
  expect(posts.length).toBe(1);
  expect((await page.request.get('/api/handoff')).ok()).toBe(true);
});

test('an interrupt during a Run All: nothing left [*] or queued in either browser, the server lives', async ({
  browser
}) => {
  const a = await (await browser.newContext()).newPage();
  await login(a);
  await writeNotebook(a, 'ui-interrupt.ipynb', [
    'import time; time.sleep(60)',
    'print(2)',
    'print(3)'
  ]);
  await openNotebook(a, 'ui-interrupt.ipynb');
  const b = await newBrowser(browser, 'ui-interrupt.ipynb');
  await runAll(a);
  await expect(marks(b, 'queued')).toHaveCount(2);
  await b.locator('[data-command="notebook:interrupt-kernel"]').click();
  for (const page of [a, b]) {
    await expect(output(page, 0)).toContainText('KeyboardInterrupt', {
      timeout: 30000
    });
    for (let i = 0; i < 3; i++) {
      await expect(prompt(page, i)).not.toHaveText('[*]:');
    }
    await expect(marks(page, 'queued')).toHaveCount(0);
    await expect(marks(page, 'running')).toHaveCount(0);
    await expect(statusItem(page)).toHaveText('Server idle');
  }
  expect((await a.request.get('/api/handoff')).ok()).toBe(true);
  await a.context().close();
  await b.context().close();
});

test('Run All of 5 cells, the tab closed after the first starts: all 5 run', async ({
  browser
}) => {
  const a = await (await browser.newContext()).newPage();
  await login(a);
  await writeNotebook(
    a,
    'ui-runall.ipynb',
    Array.from(
      { length: 5 },
      (_, i) => `import time; time.sleep(1); print(${i})`
    )
  );
  await openNotebook(a, 'ui-runall.ipynb');
  await runAll(a);
  await expect(marks(a, 'running')).toHaveCount(1);
  await a.context().close();
  const b = await newBrowser(browser, 'ui-runall.ipynb');
  for (let i = 0; i < 5; i++) {
    await expect(prompt(b, i)).toHaveText(`[${i + 1}]:`, { timeout: 30000 });
    await expect(output(b, i)).toHaveText(`${i}`);
  }
  await b.context().close();
});
