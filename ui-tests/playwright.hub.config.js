/**
 * The hub suite: the real stack behind a real JupyterHub 6.1
 * (jupyterhub_config.py: configurable-http-proxy, a password login, local
 * single-user servers, jupyterhub-idle-culler as a service), driven through
 * Debian's Chromium with plain Playwright pages: Galata's fixtures assume a
 * plain JupyterLab URL.
 */
const crypto = require('crypto');
const path = require('path');

const chromium = process.env.HANDOFF_CHROMIUM || '/usr/bin/chromium';
const portBase = Number(process.env.HANDOFF_HUB_PORT_BASE || 22000);

// One value per run, shared by the hub (webServer env) and the test workers
// (they inherit this process's environment).
process.env.HANDOFF_HUB_PORT_BASE = String(portBase);
process.env.HANDOFF_HUB_DIR ||= `/tmp/handoff-hub-${portBase}`;
process.env.HANDOFF_HUB_PASSWORD ||= crypto.randomBytes(12).toString('hex');
process.env.HANDOFF_HUB_API_TOKEN ||= crypto.randomBytes(24).toString('hex');
process.env.HANDOFF_HUB_CULL_TIMEOUT ||= '10';

module.exports = {
  testDir: path.join(__dirname, 'hub-tests'),
  workers: 1,
  retries: 0,
  // The culler tests wait for a 40 s run and then for the cull.
  timeout: 180000,
  reporter: [[process.env.CI ? 'line' : 'list'], ['json']],
  expect: { timeout: 15000 },
  use: {
    screenshot: 'only-on-failure',
    baseURL: `http://127.0.0.1:${portBase}`,
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: chromium,
      args: ['--disable-gpu', '--disable-sync', '--disable-dev-shm-usage']
    }
  },
  projects: [{ name: 'hub' }],
  webServer: [
    {
      command: 'python run_hub.py',
      url: `http://127.0.0.1:${portBase}/hub/health`,
      env: { ...process.env },
      timeout: 120 * 1000,
      reuseExistingServer: false,
      stdout: 'pipe',
      // The hub stops the single-user servers and the culler it started
      // (they run in their own sessions, out of reach of a process-group
      // kill).
      gracefulShutdown: { signal: 'SIGTERM', timeout: 60000 }
    }
  ]
};
