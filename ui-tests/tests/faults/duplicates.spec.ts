/**
 * Two kernels for one notebook. Stock JupyterLab 4.6 gets them too (two
 * browsers opening a notebook at the same moment: it creates each session
 * under a random path and renames it afterwards). Made deterministic here
 * by creating the second session the same way through the REST API.
 */
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { LabServer, makeRoot, openTab, port, writeNotebook } from './harness';

const NAME = 'dup.ipynb';
let server: LabServer;

test.afterEach(async ({ browser }) => {
  for (const context of browser.contexts()) {
    await context.close();
  }
  await server.stop('SIGKILL');
});

function kernelOf(page: Page): Promise<string | null> {
  return page.evaluate(
    () =>
      (window as any).jupyterapp.shell.currentWidget?.sessionContext?.session
        ?.kernel?.id ?? null
  );
}

async function kernelsFor(path: string): Promise<string[]> {
  const sessions: any[] = await server.api('GET', '/api/sessions');
  return [
    ...new Set(
      sessions.filter(s => s.path === path).map(s => s.kernel?.id as string)
    )
  ];
}

function warning(page: Page) {
  return page.locator('.Toastify__toast', {
    hasText: `${NAME} has 2 kernels`
  });
}

test('two kernels for one notebook: a warning in both tabs, one action leaves one kernel with both tabs on it', async ({
  browser
}) => {
  const root = makeRoot();
  writeNotebook(root, NAME, ["print('hi')"]);
  server = new LabServer(root, port());
  await server.start();
  const a = await openTab(browser, server.url, NAME);
  const b = await openTab(browser, server.url, NAME);
  const older = await kernelOf(a);
  expect(await kernelOf(b)).toBe(older);

  // A second session for the notebook, created as JupyterLab creates one
  // (under another path, then renamed), so the server's one-session-per-
  // path check does not see the first.
  const second = await server.api('POST', '/api/sessions', {
    path: `${NAME}-${Date.now()}`,
    name: NAME,
    type: 'notebook',
    kernel: { name: 'python3' }
  });
  await server.api('PATCH', `/api/sessions/${second.id}`, { path: NAME });
  expect(await kernelsFor(NAME)).toHaveLength(2);

  // JupyterLab reads the session list every 10 s.
  for (const page of [a, b]) {
    await expect(warning(page)).toBeVisible({ timeout: 30000 });
  }
  await warning(b).getByRole('button', { name: 'Use one kernel' }).click();

  await expect
    .poll(() => kernelsFor(NAME), { timeout: 30000 })
    .toEqual([older]);
  // jupyter-server shuts the newer kernel down after answering the PATCH.
  await expect
    .poll(
      async () =>
        ((await server.api('GET', '/api/kernels')) as any[]).map(k => k.id),
      { timeout: 30000 }
    )
    .toEqual([older]);
  for (const page of [a, b]) {
    await expect.poll(() => kernelOf(page), { timeout: 30000 }).toBe(older);
    // The warning is gone once the list shows one kernel.
    await expect(warning(page)).toHaveCount(0, { timeout: 30000 });
  }
});

test('two browsers opening a notebook together: after the warning and its action, one kernel, both tabs on it', async ({
  browser
}) => {
  const root = makeRoot();
  server = new LabServer(root, port());
  await server.start();
  let duplicated = 0;
  for (let round = 0; round < 3; round++) {
    const name = `together-${round}.ipynb`;
    writeNotebook(root, name, ["print('hi')"]);
    const [a, b] = await Promise.all([
      openTab(browser, server.url, name),
      openTab(browser, server.url, name)
    ]);
    const kernels = await kernelsFor(name);
    if (kernels.length > 1) {
      duplicated++;
      const toast = a.locator('.Toastify__toast', {
        hasText: `${name} has 2 kernels`
      });
      await expect(toast).toBeVisible({ timeout: 30000 });
      await toast.getByRole('button', { name: 'Use one kernel' }).click();
    }
    await expect
      .poll(() => kernelsFor(name), { timeout: 30000 })
      .toHaveLength(1);
    const [kernel] = await kernelsFor(name);
    for (const page of [a, b]) {
      await expect.poll(() => kernelOf(page), { timeout: 30000 }).toBe(kernel);
    }
    await a.context().close();
    await b.context().close();
  }
  console.log(`two kernels in ${duplicated} of 3 simultaneous opens`);
});
