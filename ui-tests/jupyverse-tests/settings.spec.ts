/**
 * The extension's setting on jupyverse: listed, shown and saved in the
 * Settings Editor (in-tab execution with `kernels.require_yjs=true`, the
 * setting's other side, is in ui.spec.ts).
 */
import { expect, test } from '@playwright/test';
import { login } from './helpers';

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
