/**
 * jupyterhub-idle-culler (a hub service, timeout HANDOFF_HUB_CULL_TIMEOUT
 * seconds) against a silent cell that runs on the server with no tab open.
 *
 * While a cell runs, our server part reports the server as active; once it
 * ends (and one cleanup delay more) the server is idle and culled. The
 * control user `nopart` runs the same cell on a server with that report
 * turned off (`--HandoffActivity.enabled=False`): it is culled mid-run.
 *
 * Nothing here touches the user's server after the tab closed (that would be
 * activity): the tests read the notebook from disk and ask the hub.
 */
import { expect, test } from '@playwright/test';
import type { Browser } from '@playwright/test';
import {
  CULL_TIMEOUT,
  loginAndOpen,
  prompt,
  readNotebook,
  runCell,
  savedOutputs,
  serverRunning,
  sleep,
  writeNotebook
} from './hub';

/** Several times the culler's timeout. */
const RUN_SECONDS = 4 * CULL_TIMEOUT;
const SILENT = `import time\ntime.sleep(${RUN_SECONDS})\nprint('done')`;

/** Whether the notebook on disk has the run's output. */
function done(user: string): boolean {
  return JSON.stringify(savedOutputs(user, 'silent.ipynb')).includes('done');
}

/** Start the silent cell in the user's server, then close the tab. */
async function startSilentRun(browser: Browser, user: string): Promise<number> {
  writeNotebook(user, 'silent.ipynb', [SILENT]);
  const { context, page } = await loginAndOpen(browser, user, 'silent.ipynb');
  await runCell(page, 0);
  await expect(prompt(page, 0)).toHaveText('[*]:');
  const started = Date.now();
  await context.close();
  return started;
}

test('a silent run several times longer than the timeout finishes with no tab open; the server is culled after', async ({
  browser
}) => {
  const user = 'culled-after';
  const started = await startSilentRun(browser, user);

  // The server stays up until the run has ended and its output is saved.
  let finished = 0;
  while (!finished) {
    expect(await serverRunning(user)).toBe(true);
    expect(Date.now() - started).toBeLessThan((RUN_SECONDS + 30) * 1000);
    if (done(user)) {
      finished = Date.now();
    } else {
      await sleep(1000);
    }
  }
  expect(finished - started).toBeGreaterThanOrEqual(RUN_SECONDS * 1000);
  expect(savedOutputs(user, 'silent.ipynb')).toEqual([
    { output_type: 'stream', name: 'stdout', text: 'done\n' }
  ]);
  expect(readNotebook(user, 'silent.ipynb').cells[0].execution_count).toEqual(
    expect.any(Number)
  );

  // Then it is idle, and culled once the timeout has passed.
  await expect
    .poll(() => serverRunning(user), {
      intervals: [1000],
      timeout: (CULL_TIMEOUT + 30) * 1000
    })
    .toBe(false);
  expect(Date.now() - finished).toBeGreaterThanOrEqual(CULL_TIMEOUT * 1000);
});

test('without our activity report, the same silent run is culled mid-run', async ({
  browser
}) => {
  const user = 'nopart';
  const started = await startSilentRun(browser, user);
  await expect
    .poll(() => serverRunning(user), {
      intervals: [1000],
      timeout: RUN_SECONDS * 1000
    })
    .toBe(false);
  // Culled before the run could end: its output never reached the file.
  expect(Date.now() - started).toBeLessThan(RUN_SECONDS * 1000);
  expect(done(user)).toBe(false);
});
