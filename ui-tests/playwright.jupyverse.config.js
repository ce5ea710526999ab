/**
 * Browser tests on a real jupyverse (scripts/test.sh runs this config after
 * the jupyter-server one). Plain Playwright pages: Galata's fixture waits for
 * `window.jupyterapp`, which jupyverse's page does not expose. Token auth is
 * on; the tests log in with `/?token=`, as a user opening the printed URL.
 */
const chromium = process.env.HANDOFF_CHROMIUM || '/usr/bin/chromium';
const port = String(process.env.HANDOFF_JUPYVERSE_PORT || 21030);
const token = process.env.HANDOFF_JUPYVERSE_TOKEN || 'handoff-jupyverse-test';
process.env.HANDOFF_JUPYVERSE_PORT = port;
process.env.HANDOFF_JUPYVERSE_TOKEN = token;

module.exports = {
  testDir: './jupyverse-tests',
  workers: 1,
  retries: 0,
  timeout: 120000,
  reporter: [[process.env.CI ? 'line' : 'list'], ['json']],
  expect: { timeout: 15000 },
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: chromium,
      args: ['--disable-gpu', '--disable-sync', '--disable-dev-shm-usage']
    }
  },
  projects: [{ name: 'jupyverse' }],
  webServer: [
    {
      command: 'bash jupyverse_server.sh',
      url: `http://127.0.0.1:${port}/login`,
      env: { ...process.env },
      timeout: 120 * 1000,
      reuseExistingServer: false
    }
  ]
};
