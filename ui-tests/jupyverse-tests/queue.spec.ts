/**
 * Our queue module on a real jupyverse, seen from browser tabs: what it
 * writes into the shared document renders as a running JupyterLab expects.
 * The cells are queued through the module's REST route with the page's
 * cookie (the tab-side backend that will send them comes with the core).
 */
import { expect, test } from '@playwright/test';
import {
  kernelAndDocument,
  login,
  openNotebook,
  output,
  prompt,
  submit,
  writeNotebook
} from './helpers';

// The seed loop, held at 2 until the test says go: the new browser then
// certainly opens the notebook mid-run, however loaded the machine is.
const COUNT = [
  'for i in range(12):',
  '    if i == 2:',
  "        while not pathlib.Path('go').exists(): time.sleep(0.1)",
  "    print(i, end=' ', flush=True)",
  '    time.sleep(0.5)'
].join('\n');

test('a run goes on after its tab closes; a new browser sees every number once, then the count', async ({
  browser
}) => {
  const first = await browser.newContext();
  const pageA = await first.newPage();
  await login(pageA);
  await writeNotebook(pageA, 'seed.ipynb', [
    'import time, pathlib',
    COUNT,
    'i'
  ]);
  await openNotebook(pageA, 'seed.ipynb');
  const { kernel, document } = await kernelAndDocument(pageA, 'seed.ipynb');
  await submit(pageA, kernel, document, ['c0', 'c1']);
  await expect(prompt(pageA, 1)).toHaveText('[*]:');
  await expect(output(pageA, 1)).toHaveText('0 1 ');
  await first.close();

  const second = await browser.newContext();
  const pageB = await second.newPage();
  await login(pageB);
  await openNotebook(pageB, 'seed.ipynb');
  await expect(prompt(pageB, 1)).toHaveText('[*]:');
  await expect(output(pageB, 1)).toHaveText('0 1 ');
  const go = await pageB.request.put('/api/contents/go', {
    data: { path: 'go', type: 'file', format: 'text', content: '' }
  });
  expect(go.ok()).toBe(true);
  await expect(prompt(pageB, 1)).toHaveText('[2]:', { timeout: 30000 });
  await expect(output(pageB, 1)).toHaveText(
    Array.from({ length: 12 }, (_, i) => `${i} `).join('')
  );
  await submit(pageB, kernel, document, ['c2']);
  await expect(output(pageB, 2)).toHaveText('11');
  await second.close();
});

test('Run All with an error: two tabs show the queue, the cells after it never run, the server lives', async ({
  browser
}) => {
  const contexts = [await browser.newContext(), await browser.newContext()];
  const pages = await Promise.all(contexts.map(c => c.newPage()));
  await login(pages[0]);
  // The first cell waits for the test's go: the cells stay queued until
  // both tabs were seen showing all six [*], however loaded the machine is
  // (a 2 s sleep here was over before the twelve checks on a busy machine).
  await writeNotebook(pages[0], 'errors.ipynb', [
    "import time, pathlib\nwhile not pathlib.Path('go-errors').exists(): time.sleep(0.1)\nprint(1)",
    'print(2)',
    '1/0',
    'print(4)',
    'print(5)',
    'print(6)'
  ]);
  for (const page of pages) {
    if (page !== pages[0]) {
      await login(page);
    }
    await openNotebook(page, 'errors.ipynb');
  }
  const { kernel, document } = await kernelAndDocument(
    pages[0],
    'errors.ipynb'
  );
  await submit(pages[0], kernel, document, [
    'c0',
    'c1',
    'c2',
    'c3',
    'c4',
    'c5'
  ]);
  for (const page of pages) {
    for (let i = 0; i < 6; i++) {
      await expect(prompt(page, i)).toHaveText('[*]:');
    }
  }
  const go = await pages[0].request.put('/api/contents/go-errors', {
    data: { path: 'go-errors', type: 'file', format: 'text', content: '' }
  });
  expect(go.ok()).toBe(true);
  for (const page of pages) {
    await expect(prompt(page, 2)).toHaveText('[3]:', { timeout: 30000 });
    await expect(output(page, 2)).toContainText('ZeroDivisionError');
    for (let i = 3; i < 6; i++) {
      await expect(prompt(page, i)).toHaveText('[ ]:');
      await expect(output(page, i)).toHaveCount(0);
    }
  }
  const alive = await pages[1].request.get('/api/handoff');
  expect(alive.ok()).toBe(true);
  for (const context of contexts) {
    await context.close();
  }
});

test('a \\r progress line shows as in stock JupyterLab: its last state', async ({
  page
}) => {
  await login(page);
  await writeNotebook(page, 'progress.ipynb', [
    "import time\nfor i in range(20):\n    print(f'\\r{i * 5}%', end='', flush=True)\n    time.sleep(0.05)\nprint('\\rdone')"
  ]);
  await openNotebook(page, 'progress.ipynb');
  const { kernel, document } = await kernelAndDocument(page, 'progress.ipynb');
  await submit(page, kernel, document, ['c0']);
  await expect(prompt(page, 0)).toHaveText('[1]:', { timeout: 30000 });
  await expect(output(page, 0)).toHaveText('done');
  await page.reload();
  await expect(output(page, 0)).toHaveText('done', { timeout: 60000 });
});

test('Run All of 5 cells, the tab closed after the first starts: all 5 run', async ({
  browser
}) => {
  const first = await browser.newContext();
  const pageA = await first.newPage();
  await login(pageA);
  const sources = Array.from(
    { length: 5 },
    (_, i) => `import time; time.sleep(1); print(${i})`
  );
  await writeNotebook(pageA, 'runall.ipynb', sources);
  await openNotebook(pageA, 'runall.ipynb');
  const { kernel, document } = await kernelAndDocument(pageA, 'runall.ipynb');
  const ids = await submit(pageA, kernel, document, [
    'c0',
    'c1',
    'c2',
    'c3',
    'c4'
  ]);
  await expect(prompt(pageA, 0)).toHaveText('[*]:');
  await expect(async () => {
    const state = await (
      await pageA.request.get(
        `/api/handoff/kernels/${kernel}/requests/${ids[0]}`
      )
    ).json();
    expect(state.status).toBe('running');
  }).toPass();
  await first.close();

  const second = await browser.newContext();
  const pageB = await second.newPage();
  await login(pageB);
  await openNotebook(pageB, 'runall.ipynb');
  for (let i = 0; i < 5; i++) {
    await expect(prompt(pageB, i)).toHaveText(`[${i + 1}]:`, {
      timeout: 30000
    });
    await expect(output(pageB, i)).toHaveText(`${i}`);
  }
  await second.close();
});

test('an interrupt during a Run All: no cell left [*] in either of two tabs, the server lives', async ({
  browser
}) => {
  const contexts = [await browser.newContext(), await browser.newContext()];
  const pages = await Promise.all(contexts.map(c => c.newPage()));
  await login(pages[0]);
  await writeNotebook(pages[0], 'interrupt.ipynb', [
    'import time; time.sleep(60)',
    'print(2)',
    'print(3)'
  ]);
  await login(pages[1]);
  for (const page of pages) {
    await openNotebook(page, 'interrupt.ipynb');
  }
  const { kernel, document } = await kernelAndDocument(
    pages[0],
    'interrupt.ipynb'
  );
  await submit(pages[0], kernel, document, ['c0', 'c1', 'c2']);
  for (const page of pages) {
    for (let i = 0; i < 3; i++) {
      await expect(prompt(page, i)).toHaveText('[*]:');
    }
  }
  const interrupt = await pages[1].request.post(
    `/api/kernels/${kernel}/interrupt`
  );
  expect(interrupt.ok()).toBe(true);
  for (const page of pages) {
    await expect(output(page, 0)).toContainText('KeyboardInterrupt', {
      timeout: 30000
    });
    await expect(prompt(page, 0)).toHaveText('[1]:');
    for (let i = 1; i < 3; i++) {
      await expect(prompt(page, i)).toHaveText('[ ]:');
      await expect(output(page, i)).toHaveCount(0);
    }
  }
  const listing = await pages[0].request.get(
    `/api/handoff/kernels/${kernel}/requests`
  );
  expect(await listing.json()).toEqual([]);
  for (const context of contexts) {
    await context.close();
  }
});
