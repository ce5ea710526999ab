/**
 * What works on jupyverse before our jupyverse backend: the extension loads,
 * its setting shows and saves in the Settings Editor, and in-tab execution
 * (through the kernel websocket) works with `kernels.require_yjs=true`.
 */
import { expect, test } from '@playwright/test';
import { login, openNotebook, output, prompt, writeNotebook } from './helpers';

test('the setting shows in the Settings Editor and saves', async ({ page }) => {
  await login(page);
  const id = '@jupyterlab-handoff/extension:server-execution';
  const listing = await page.request.get('/lab/api/settings');
  const ids = (await listing.json()).settings.map((s: { id: string }) => s.id);
  expect(ids).toContain(id);

  await page.keyboard.press('Control+,');
  const entry = page.getByText('Server-side execution (Handoff)').first();
  await expect(entry).toBeVisible({ timeout: 30000 });
  await entry.click();
  const toggle = page.getByLabel('Run cells on the server').first();
  await expect(toggle).toBeChecked();
  const saved = page.waitForResponse(
    r =>
      r.request().method() === 'PUT' &&
      r.url().includes(`/lab/api/settings/${id}`)
  );
  await toggle.uncheck();
  expect((await saved).ok()).toBe(true);
  const stored = await (
    await page.request.get(`/lab/api/settings/${id}`)
  ).json();
  expect(stored.raw).toContain('"serverSideExecution": false');
  // Back to the default for the other tests.
  const restored = page.waitForResponse(
    r =>
      r.request().method() === 'PUT' &&
      r.url().includes(`/lab/api/settings/${id}`)
  );
  await toggle.check();
  expect((await restored).ok()).toBe(true);
});

test('in-tab execution works on jupyverse with require_yjs', async ({
  page
}) => {
  await login(page);
  await writeNotebook(page, 'stock.ipynb', ['6 * 7']);
  const sent: string[] = [];
  page.on('websocket', ws => {
    if (ws.url().includes('/api/kernels/')) {
      ws.on('framesent', frame => {
        const data = frame.payload.toString();
        if (data.includes('execute_request')) {
          sent.push(data);
        }
      });
    }
  });
  await openNotebook(page, 'stock.ipynb');
  await page.locator('.jp-Notebook .jp-Cell').first().click();
  await page.keyboard.press('Shift+Enter');
  await expect(output(page, 0)).toHaveText('42');
  await expect(prompt(page, 0)).toHaveText('[1]:');
  expect(sent.length).toBe(1);
});
