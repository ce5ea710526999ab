/**
 * Fault tests: server restarts, kernel death, dropped connections. Every
 * test starts and stops its own Jupyter server (tests/faults/harness.ts),
 * with token auth and XSRF on, so there is no webServer here.
 *
 * Ports: FAULTS_PORT_BASE (23000 by default) up to base + 49.
 */
const chromium = process.env.HANDOFF_CHROMIUM || '/usr/bin/chromium';

module.exports = {
  testDir: './tests/faults',
  workers: 1,
  retries: 0,
  timeout: 240000,
  reporter: [[process.env.CI ? 'line' : 'list'], ['json']],
  expect: { timeout: 15000 },
  use: {
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: chromium,
      args: ['--disable-gpu', '--disable-sync', '--disable-dev-shm-usage']
    }
  }
};
