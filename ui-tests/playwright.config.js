/**
 * Galata configuration: the real Jupyter stack, driven through Debian's
 * Chromium (no browser download is possible on our machines).
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const chromium = process.env.HANDOFF_CHROMIUM || '/usr/bin/chromium';
// Two suites can run side by side (e.g. two worktrees) on different bases.
const portBase = Number(process.env.HANDOFF_PORT_BASE || 18888);
const stackPort = String(portBase);
const noBackendPort = String(portBase + 1);
const cleanupPort = String(portBase + 2);

module.exports = {
  ...baseConfig,
  workers: 1,
  retries: 0,
  timeout: 120000,
  // The json report feeds scripts/summary.mjs (PLAYWRIGHT_JSON_OUTPUT_NAME).
  reporter: [[process.env.CI ? 'line' : 'list'], ['json']],
  expect: {
    timeout: 15000,
    toMatchSnapshot: { maxDiffPixelRatio: 0.01 }
  },
  use: {
    ...baseConfig.use,
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: chromium,
      args: ['--disable-gpu', '--disable-sync', '--disable-dev-shm-usage']
    }
  },
  // Only this family's tests: hub-tests/, jupyverse-tests/ and tests/faults/
  // have their own configs and servers.
  testDir: './tests',
  projects: [
    {
      name: 'stack',
      testIgnore: [/(no-backend|cleanup)\.spec\.ts/, /faults\//],
      use: { baseURL: `http://localhost:${stackPort}` }
    },
    {
      name: 'no-backend',
      testMatch: /no-backend\.spec\.ts/,
      use: { baseURL: `http://localhost:${noBackendPort}` }
    },
    {
      name: 'cleanup',
      testMatch: /cleanup\.spec\.ts/,
      use: { baseURL: `http://localhost:${cleanupPort}` }
    }
  ],
  webServer: [
    {
      command: 'jupyter lab --config jupyter_server_test_config.py',
      url: `http://localhost:${stackPort}/lab`,
      env: { ...process.env, HANDOFF_TEST_PORT: stackPort },
      timeout: 120 * 1000,
      // Always a fresh server: reusing one (e.g. the demo) would test
      // whatever that server happens to have.
      reuseExistingServer: false
    },
    {
      command: 'jupyter lab --config jupyter_server_test_config.py',
      url: `http://localhost:${noBackendPort}/lab`,
      env: {
        ...process.env,
        HANDOFF_TEST_PORT: noBackendPort,
        HANDOFF_NO_BACKEND: '1'
      },
      timeout: 120 * 1000,
      reuseExistingServer: false
    },
    {
      // Rooms of closed documents are dropped after 3 s instead of 60 s.
      command: 'jupyter lab --config jupyter_server_test_config.py',
      url: `http://localhost:${cleanupPort}/lab`,
      env: {
        ...process.env,
        HANDOFF_TEST_PORT: cleanupPort,
        HANDOFF_CLEANUP_DELAY: '3'
      },
      timeout: 120 * 1000,
      reuseExistingServer: false
    }
  ]
};
