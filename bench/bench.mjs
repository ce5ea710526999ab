#!/usr/bin/env node
/**
 * The benchmark: jupyterlab-handoff against JupyterLab's own executor and
 * jupyter-server-nbmodel's frontend, on one real Jupyter server, in Debian's
 * Chromium driven by Playwright (outside the test suite).
 *
 *   node bench/bench.mjs [--rounds N] [--out FILE] [--summary FILE]
 *                        [--smoke] [--port N] [--profile DIR]
 *
 * Run it through `make bench` / `bash bench/run.sh`, which set up the stack
 * first. See bench/README.md for what each scenario measures.
 */
/* global window */ // only inside page functions
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkPlugins as checkPagePlugins,
  checkSettled,
  cpuProfiler,
  timelineTracer,
  medianOf,
  noProfiler,
  notebook,
  openLab,
  pipVersions,
  scenarioSources,
  sleep,
  timed
} from './harness.mjs';
import {
  JupyverseServer,
  runJupyverseRound,
  summarizeJupyverseChecks
} from './jupyverse.mjs';
import * as page from './page.mjs';
import {
  prettierMarkdown,
  EXECUTORS,
  SCENARIOS,
  formatMarkdown,
  formatTable,
  summarize,
  validateResults
} from './report.mjs';
import { JV_EXECUTORS, summarizeJupyverse } from './report_jupyverse.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const requireUi = createRequire(path.join(root, 'ui-tests', 'package.json'));
const { chromium } = requireUi('@playwright/test');

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const options = {
    smoke: false,
    rounds: null,
    out: null,
    summary: null,
    port: Number(process.env.BENCH_PORT || 20890),
    profile: process.env.BENCH_PROFILE || null,
    trace: null,
    chromium: process.env.HANDOFF_CHROMIUM || '/usr/bin/chromium',
    keepWork: !!process.env.BENCH_KEEP_WORK,
    servers: (process.env.BENCH_SERVERS || 'jupyter-server,jupyverse').split(
      ','
    ),
    jupyversePort: process.env.BENCH_JUPYVERSE_PORT
      ? Number(process.env.BENCH_JUPYVERSE_PORT)
      : null
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) {
        throw new Error(`${arg} needs a value`);
      }
      return next;
    };
    switch (arg) {
      case '--smoke':
        options.smoke = true;
        break;
      case '--rounds':
        options.rounds = Number(value());
        break;
      case '--out':
        options.out = path.resolve(value());
        break;
      case '--summary':
        options.summary = path.resolve(value());
        break;
      case '--port':
        options.port = Number(value());
        break;
      case '--profile':
        options.profile = path.resolve(value());
        break;
      case '--trace':
        // Diagnostics: timeline traces instead of CPU profiles.
        options.trace = path.resolve(value());
        break;
      case '--servers':
        options.servers = value().split(',');
        break;
      case '--jupyverse-port':
        options.jupyversePort = Number(value());
        break;
      case '--record-timing':
        // Diagnostics: JupyterLab's recordTiming, so cells carry the
        // kernel's timestamps (adds metadata writes; not for the figures).
        options.recordTiming = true;
        break;
      case '--keep-work':
        options.keepWork = true;
        break;
      case '-h':
      case '--help':
        console.log(fs.readFileSync(path.join(here, 'README.md'), 'utf8'));
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg}`);
    }
  }
  const env = (name, fallback) =>
    process.env[name] !== undefined ? Number(process.env[name]) : fallback;
  const full = !options.smoke;
  options.rounds = options.rounds ?? env('BENCH_ROUNDS', full ? 3 : 1);
  options.sizes = {
    latencyCells: env('BENCH_LATENCY_CELLS', full ? 30 : 2),
    runAllCells: env('BENCH_RUN_ALL_CELLS', full ? 100 : 5),
    firstOutputCells: env('BENCH_FIRST_OUTPUT_CELLS', full ? 2 : 1),
    firstOutputSleep: env('BENCH_FIRST_OUTPUT_SLEEP', full ? 2 : 0.5),
    floodLines: env('BENCH_FLOOD_LINES', full ? 20000 : 300),
    reopenCells: env('BENCH_REOPEN_CELLS', full ? 50 : 6),
    reopenPending: env('BENCH_REOPEN_PENDING', full ? 5 : 2)
  };
  options.jupyversePort ??= options.port + 1;
  options.jupyverseScenarios = (
    process.env.BENCH_JUPYVERSE_SCENARIOS ??
    (full ? SCENARIOS.join(',') : 'latency')
  ).split(',');
  // Order as in SCENARIOS (reopen closes the round's first tab: last).
  options.jupyverseScenarios = SCENARIOS.filter(s =>
    options.jupyverseScenarios.includes(s)
  );
  // Diagnostics: fewer jupyter-server scenarios per round (all by default).
  const scenarios = (process.env.BENCH_SCENARIOS ?? SCENARIOS.join(',')).split(
    ','
  );
  options.scenarios = SCENARIOS.filter(s => scenarios.includes(s));
  if (!options.scenarios.length) {
    throw new Error(`BENCH_SCENARIOS names no scenario of ${SCENARIOS}`);
  }
  options.jupyverseTimeout =
    env('BENCH_JUPYVERSE_TIMEOUT', full ? 60 : 30) * 1000;
  for (const name of options.servers) {
    if (!['jupyter-server', 'jupyverse'].includes(name)) {
      throw new Error(`unknown server ${name} (jupyter-server, jupyverse)`);
    }
  }
  if (
    options.servers.includes('jupyverse') &&
    !options.jupyverseScenarios.length
  ) {
    throw new Error(
      `BENCH_JUPYVERSE_SCENARIOS names no scenario of ${SCENARIOS}`
    );
  }
  options.out =
    options.out ??
    path.join(here, full ? 'results.json' : 'smoke-results.json');
  options.summary =
    options.summary ??
    (full
      ? path.join(here, 'RESULTS.md')
      : options.out.replace(/\.json$/, '.md'));
  for (const [key, value] of Object.entries(options.sizes)) {
    if (!(value > 0)) {
      throw new Error(`${key} must be positive, got ${value}`);
    }
  }
  if (
    options.sizes.reopenPending < 2 ||
    options.sizes.reopenPending >= options.sizes.reopenCells
  ) {
    throw new Error('reopen needs 2 <= pending < cells');
  }
  if (!(options.rounds >= 1)) {
    throw new Error('--rounds must be at least 1');
  }
  return options;
}

// ---------------------------------------------------------------- server

const venvBin = path.join(root, '.venv', 'bin');

class Server {
  constructor(options) {
    this.port = options.port;
    this.recordTiming = !!options.recordTiming;
    this.token = randomBytes(16).toString('hex');
    this.base = `http://localhost:${this.port}`;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    this.work = path.join(here, '.work', `${stamp}-${process.pid}`);
    this.notebooks = path.join(this.work, 'notebooks');
    this.config = path.join(this.work, 'config');
  }

  async start() {
    fs.mkdirSync(this.notebooks, { recursive: true });
    // Our own config dir: no user labconfig, settings or workspaces leak in.
    const settings = path.join(this.config, 'lab', 'user-settings');
    const notification = path.join(
      settings,
      '@jupyterlab',
      'apputils-extension'
    );
    fs.mkdirSync(notification, { recursive: true });
    fs.writeFileSync(
      path.join(notification, 'notification.jupyterlab-settings'),
      JSON.stringify({ checkForUpdates: false, fetchNews: 'false' })
    );
    if (this.recordTiming) {
      const tracker = path.join(settings, '@jupyterlab', 'notebook-extension');
      fs.mkdirSync(tracker, { recursive: true });
      fs.writeFileSync(
        path.join(tracker, 'tracker.jupyterlab-settings'),
        JSON.stringify({ recordTiming: true })
      );
    }
    if (process.env.BENCH_HANDOFF_SETTINGS) {
      // Diagnostics: our settings for the run (e.g. without cell marks).
      const ours = path.join(settings, '@jupyterlab-handoff', 'extension');
      fs.mkdirSync(ours, { recursive: true });
      fs.writeFileSync(
        path.join(ours, 'server-execution.jupyterlab-settings'),
        process.env.BENCH_HANDOFF_SETTINGS
      );
    }
    const log = fs.openSync(path.join(this.work, 'server.log'), 'a');
    this.process = spawn(
      path.join(venvBin, 'jupyter'),
      ['lab', '--config', path.join(here, 'jupyter_server_bench_config.py')],
      {
        cwd: this.work,
        env: {
          ...process.env,
          PATH: `${venvBin}:${process.env.PATH}`,
          BENCH_PORT: String(this.port),
          BENCH_TOKEN: this.token,
          BENCH_ROOT: this.notebooks,
          JUPYTER_CONFIG_DIR: this.config,
          JUPYTERLAB_SETTINGS_DIR: settings,
          JUPYTERLAB_WORKSPACES_DIR: path.join(
            this.config,
            'lab',
            'workspaces'
          ),
          JUPYTER_RUNTIME_DIR: path.join(this.work, 'runtime')
        },
        stdio: ['ignore', log, log],
        detached: false
      }
    );
    this.exited = new Promise(resolve => this.process.once('exit', resolve));
    const deadline = Date.now() + 120000;
    for (;;) {
      if (this.process.exitCode !== null) {
        throw new Error(
          `jupyter lab exited (${this.process.exitCode}); see ${this.work}/server.log`
        );
      }
      try {
        const response = await this.api('GET', 'api/status');
        if (response.ok) {
          return;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        throw new Error(
          `jupyter lab did not start; see ${this.work}/server.log`
        );
      }
      await sleep(250);
    }
  }

  async stop() {
    if (this.process && this.process.exitCode === null) {
      this.process.kill('SIGTERM');
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 10000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  /** JupyterLab for one executor (the config's page_config_hook reads it). */
  labUrl(executor, workspace) {
    return `${this.base}/lab/workspaces/bench-${workspace}?bench-executor=${executor}&token=${this.token}`;
  }

  api(method, route, body) {
    return fetch(`${this.base}/${route}`, {
      method,
      headers: {
        Authorization: `token ${this.token}`,
        'Content-Type': 'application/json'
      },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  }

  async json(method, route, body, expected = [200, 201]) {
    const response = await this.api(method, route, body);
    const text = await response.text();
    if (!expected.includes(response.status)) {
      throw new Error(`${method} ${route}: ${response.status} ${text}`);
    }
    return text ? JSON.parse(text) : null;
  }

  async writeNotebook(notebookPath, sources) {
    await this.json('PUT', `api/contents/${notebookPath}`, {
      type: 'notebook',
      format: 'json',
      content: notebook(sources)
    });
  }

  async mkdir(dir) {
    await this.json('PUT', `api/contents/${dir}`, { type: 'directory' });
  }

  /** A session on an existing kernel, so opening the notebook joins it. */
  async session(notebookPath, kernel) {
    return this.json('POST', 'api/sessions', {
      path: notebookPath,
      name: path.basename(notebookPath),
      type: 'notebook',
      kernel
    });
  }
}

// ---------------------------------------------------------------- machine

function versions() {
  const wanted = [
    'jupyterlab',
    'jupyter_server',
    'jupyter_collaboration',
    'jupyter_server_ydoc',
    'jupyter_ydoc',
    'pycrdt',
    'jupyter_server_nbmodel',
    'ipykernel',
    'jupyter_client',
    'tornado'
  ];
  const result = pipVersions(path.join(venvBin, 'python'), [
    ...wanted,
    'jupyterlab_handoff'
  ]);
  result.python = execFileSync(
    path.join(venvBin, 'python'),
    ['-c', 'import platform; print(platform.python_version())'],
    { encoding: 'utf8' }
  ).trim();
  return result;
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: root,
      encoding: 'utf8'
    }).trim();
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- browser

const PLUGINS = {
  stock: '@jupyterlab/notebook-extension:cell-executor',
  'nbmodel-frontend':
    '@datalayer/jupyter-server-nbmodel:notebook-cell-executor',
  handoff: '@jupyterlab-handoff/extension:executor'
};
const NBMODEL_RESTORER =
  '@datalayer/jupyter-server-nbmodel:notebook-execution-restorer';
const PLUGIN_SPEC = {
  plugins: PLUGINS,
  others: [
    '@jupyter/docprovider-extension:notebook-cell-executor',
    NBMODEL_RESTORER
  ],
  alsoRegistered: { 'nbmodel-frontend': [NBMODEL_RESTORER] }
};

function checkPlugins(tab, executor) {
  return checkPagePlugins(tab, executor, PLUGIN_SPEC);
}

/**
 * Assert what went over the wire matches the executor: the kernel websocket
 * for stock, POST /execute (and GET /requests polling for nbmodel's
 * frontend) otherwise, one cell per POST (several per POST to our server
 * part's route, for a Run All).
 */
function checkTraffic(executor, traffic, cellRuns) {
  const problems = [];
  const expect = (ok, message) => ok || problems.push(message);
  if (executor === 'stock') {
    expect(
      traffic.wsExecuteRequests === cellRuns,
      `${traffic.wsExecuteRequests} websocket execute_requests for ${cellRuns} cell runs`
    );
    expect(
      traffic.executePosts + traffic.handoffPosts === 0,
      `${traffic.executePosts + traffic.handoffPosts} POST /execute`
    );
    expect(traffic.requestPolls === 0, `${traffic.requestPolls} GET /requests`);
  } else {
    // Cells go one per POST to nbmodel's route, or several per POST to our
    // server part's (a Run All).
    const cellsPosted = traffic.executePosts + traffic.handoffCells;
    expect(
      cellsPosted === cellRuns,
      `${cellsPosted} cells POSTed for ${cellRuns} cell runs`
    );
    expect(
      traffic.wsExecuteRequests === 0,
      `${traffic.wsExecuteRequests} websocket execute_requests`
    );
    if (executor === 'nbmodel-frontend') {
      expect(
        traffic.requestPolls >= cellRuns,
        `${traffic.requestPolls} GET /requests polls`
      );
    }
  }
  if (problems.length) {
    throw new Error(
      `traffic does not match executor "${executor}": ${problems.join('; ')}`
    );
  }
}

// ---------------------------------------------------------------- scenarios

const CELL_TIMEOUT = 60000;

/**
 * One round of every scenario with one executor, in a fresh browser context.
 */
async function runRound({ browser, server, executor, round, options, log }) {
  const sizes = options.sizes;
  const dir = `r${round}-${executor}`;
  await server.mkdir(dir);
  const nb = name => `${dir}/${name}.ipynb`;
  const sources = scenarioSources(sizes);
  const done = sources.reopenDone;
  const reopenSources = sources.reopen;
  for (const name of ['latency', 'run-all', 'first-output', 'flood']) {
    await server.writeNotebook(nb(name), sources[name]);
  }
  await server.writeNotebook(nb('reopen'), reopenSources);

  // One kernel for the four scenarios run in this page, one for reopen,
  // which stays busy; sessions exist before the page opens the notebooks.
  const kernel = await server.json('POST', 'api/kernels', { name: 'python3' });
  const sessions = [];
  for (const name of ['latency', 'run-all', 'first-output', 'flood']) {
    sessions.push(await server.session(nb(name), { id: kernel.id }));
  }
  const reopenSession = await server.session(nb('reopen'), { name: 'python3' });
  sessions.push(reopenSession);

  const context = await browser.newContext({
    viewport: { width: 1366, height: 900 }
  });
  await context.addInitScript({
    content: `(${page.installPageHelpers})();\nwindow.__benchReopenState = ${page.reopenState};`
  });
  const samples = {};
  const record = (scenario, value) => {
    (samples[scenario] ??= []).push(value);
  };
  let profiler = noProfiler;
  // When the executor's POST left and when its 202 came back, from the run
  // command (server-side executors only).
  const recordPost = (scenario, result, traffic) => {
    const post = traffic.posts.find(p => p.sent >= result.t0Epoch - 1);
    if (post) {
      record(`${scenario}-post-sent`, post.sent - result.t0Epoch);
      record(`${scenario}-post-answered`, post.answered - result.t0Epoch);
    }
  };
  try {
    const { tab, traffic } = await openLab(context, server, executor);
    const plugins = await checkPlugins(tab, executor);
    const profileName = name => `${name}-${executor}-r${round}`;
    if (options.profile) {
      profiler = await cpuProfiler(tab, options.profile, profileName);
    } else if (options.trace) {
      profiler = await timelineTracer(tab, options.trace, profileName);
    }
    const open = p =>
      tab.evaluate(page.openNotebook, { path: p, timeout: CELL_TIMEOUT });
    let cellRuns = 0;

    if (options.scenarios.includes('latency')) {
      // latency: a warm-up cell (reported apart), then each cell on its own.
      await open(nb('latency'));
      const warm = await timed(tab, traffic, page.runOneCell, {
        index: 0,
        timeout: CELL_TIMEOUT
      });
      checkSettled('latency warm-up', warm);
      cellRuns++;
      record('latency-first', warm.ms);
      await profiler.start();
      for (let i = 1; i <= sizes.latencyCells; i++) {
        const result = await timed(tab, traffic, page.runOneCell, {
          index: i,
          timeout: CELL_TIMEOUT
        });
        checkSettled(`latency cell ${i}`, result);
        cellRuns++;
        record('latency', result.ms);
        recordPost('latency', result, traffic);
        record('latency-resolved', result.resolvedMs);
        record('latency-yjs-frames', result.traffic.yjsFrames);
        record('latency-yjs-frames-sent', result.traffic.yjsFramesSent);
        await sleep(50);
      }
      await profiler.stop('latency');
      await tab.evaluate(page.closeCurrent);
      log(`latency done`);
    }

    if (options.scenarios.includes('run-all')) {
      // run-all
      await open(nb('run-all'));
      await profiler.start();
      const all = await timed(tab, traffic, page.runAll, {
        timeout: CELL_TIMEOUT * 5
      });
      await profiler.stop('run-all');
      checkSettled('run-all', all);
      if (all.counted !== sizes.runAllCells) {
        throw new Error(
          `run-all: ${all.counted}/${sizes.runAllCells} cells have a count`
        );
      }
      cellRuns += sizes.runAllCells;
      record('run-all', all.ms);
      recordRunAllTimeline(all, traffic, record);
      record('run-all-yjs-frames', all.traffic.yjsFrames);
      await tab.evaluate(page.closeCurrent);
      log(`run-all done`);
    }

    if (options.scenarios.includes('first-output')) {
      // first-output
      await open(nb('first-output'));
      for (let i = 0; i < sizes.firstOutputCells; i++) {
        const result = await timed(tab, traffic, page.firstOutput, {
          index: i,
          marker: `first-line-${i}`,
          timeout: CELL_TIMEOUT
        });
        checkSettled('first-output', result);
        cellRuns++;
        record('first-output', result.ms);
        recordPost('first-output', result, traffic);
      }
      await tab.evaluate(page.closeCurrent);
      log(`first-output done`);
    }

    if (options.scenarios.includes('flood')) {
      // flood
      await open(nb('flood'));
      await profiler.start();
      const flood = await timed(tab, traffic, page.flood, {
        lines: sizes.floodLines,
        timeout: CELL_TIMEOUT * 3,
        tail: 500
      });
      await profiler.stop('flood');
      checkSettled('flood', flood);
      if (!flood.exact) {
        throw new Error(
          `flood: the output shows ${flood.linesSeen} lines, not exactly lines 0..${sizes.floodLines - 1}`
        );
      }
      cellRuns++;
      record('flood', flood.ms);
      record('flood-longest-task', flood.longestTask);
      record('flood-blocking', flood.blocking);
      record('flood-yjs-frames', flood.traffic.yjsFrames);
      record('flood-yjs-bytes', flood.traffic.yjsBytes);
      await tab.evaluate(page.closeCurrent);
      log(`flood done`);
    }

    checkTraffic(executor, traffic, cellRuns);

    if (options.scenarios.includes('reopen')) {
      // reopen: the server runs the notebook (POSTed from here, not by any
      // executor) while a first tab holds the shared document open; then that
      // tab closes and a new one opens the notebook.
      const opened = await open(nb('reopen'));
      for (let i = 0; i < sizes.reopenCells; i++) {
        await server.json(
          'POST',
          `api/kernels/${opened.kernelId}/execute`,
          {
            code: reopenSources[i],
            metadata: {
              cell_id: `cell-${i}`,
              document_id: opened.documentId,
              document_path: nb('reopen')
            }
          },
          [202]
        );
      }
      await waitForServerState(server, opened.kernelId, sizes.reopenPending);
      await tab.waitForFunction(
        args => window.__benchReopenState(args).ready,
        {
          cells: sizes.reopenCells,
          done,
          pending: sizes.reopenPending
        },
        { timeout: CELL_TIMEOUT, polling: 100 }
      );
      await tab.close();

      const second = await openLab(context, server, executor);
      await checkPlugins(second.tab, executor);
      const secondProfiler = options.profile
        ? await cpuProfiler(second.tab, options.profile, profileName)
        : options.trace
          ? await timelineTracer(second.tab, options.trace, profileName)
          : noProfiler;
      await secondProfiler.start();
      const reopened = await timed(second.tab, second.traffic, page.reopen, {
        path: nb('reopen'),
        cells: sizes.reopenCells,
        done,
        pending: sizes.reopenPending,
        timeout: CELL_TIMEOUT,
        indicator: executor === 'handoff',
        indicatorTimeout: CELL_TIMEOUT
      });
      await secondProfiler.stop('reopen');
      // Still the same server state, or the figure is not what it claims.
      await waitForServerState(server, opened.kernelId, sizes.reopenPending, 0);
      if (
        second.traffic.executePosts ||
        second.traffic.handoffPosts ||
        second.traffic.wsExecuteRequests
      ) {
        throw new Error('reopen: the reopening tab ran cells');
      }
      record('reopen-outputs', reopened.outputsMs);
      if (executor === 'handoff') {
        record('reopen-indicator', reopened.indicatorMs);
        record('reopen-indicator-seen', reopened.indicatorSeen);
        record('reopen-indicator-present', reopened.indicatorPresent);
        record(
          'reopen',
          reopened.indicatorMs === null
            ? reopened.outputsMs
            : Math.max(reopened.outputsMs, reopened.indicatorMs)
        );
      } else {
        record('reopen', reopened.outputsMs);
      }
      log(`reopen done`);
    }
    return {
      samples,
      check: {
        executor,
        round,
        plugin: PLUGINS[executor],
        disabledExtensions: plugins.disabledExtensions,
        cellRuns,
        traffic: { ...traffic }
      }
    };
  } finally {
    await context.close();
    // Stop the busy kernel: nbmodel drops what is still queued.
    await server
      .api('POST', `api/kernels/${reopenSession.kernel.id}/interrupt`)
      .catch(() => undefined);
    for (const session of sessions) {
      await server
        .api('DELETE', `api/sessions/${session.id}`)
        .catch(() => undefined);
    }
    await server
      .api('DELETE', `api/kernels/${kernel.id}`)
      .catch(() => undefined);
  }
}

/**
 * Wait until nbmodel lists exactly `pending` requests for the kernel, the
 * first running and the rest queued.
 */
async function waitForServerState(
  server,
  kernelId,
  pending,
  timeout = CELL_TIMEOUT
) {
  const deadline = Date.now() + timeout;
  let last = null;
  for (;;) {
    const body = await server.json('GET', `api/kernels/${kernelId}/execute`);
    const statuses = body.requests.map(r => r.request_status);
    last = statuses;
    const running = statuses.filter(s => s === 'running').length;
    const queued = statuses.filter(s => s === 'queued').length;
    if (running === 1 && queued === pending - 1) {
      return;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `server queue is ${JSON.stringify(last)}, not 1 running + ${pending - 1} queued`
      );
    }
    await sleep(100);
  }
}

/**
 * Where Run All's time goes: when the last POST left (the tab's submission
 * pace) and, with --record-timing, the kernel's own timeline: from each POST
 * to the kernel starting that cell, and the kernel's idle gap between cells.
 */
function recordRunAllTimeline(all, traffic, record) {
  const posts = traffic.posts.filter(p => p.sent >= all.t0Epoch - 1);
  if (posts.length) {
    record(
      'run-all-last-post-sent',
      posts[posts.length - 1].sent - all.t0Epoch
    );
    // How long the server took to accept a cell (202), median.
    record(
      'run-all-post-answer',
      medianOf(posts.map(p => p.answered - p.sent))
    );
  }
  const kernel = all.kernel;
  if (!kernel.every(k => k.started && k.replied)) {
    return;
  }
  record('run-all-kernel-first-start', kernel[0].started - all.t0Epoch);
  record(
    'run-all-kernel-last-reply',
    kernel[kernel.length - 1].replied - all.t0Epoch
  );
  const gaps = kernel.slice(1).map((k, i) => k.started - kernel[i].replied);
  record('run-all-kernel-gap', medianOf(gaps));
  if (posts.length === kernel.length) {
    record(
      'run-all-post-to-kernel',
      medianOf(kernel.map((k, i) => k.started - posts[i].sent))
    );
  }
}

// ---------------------------------------------------------------- main

/** `list` starting at its `by`-th element, wrapping around. */
function rotated(list, by) {
  const start = by % list.length;
  return [...list.slice(start), ...list.slice(0, start)];
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const withServer = options.servers.includes('jupyter-server');
  const server = withServer ? new Server(options) : null;
  const jupyverse = options.servers.includes('jupyverse')
    ? new JupyverseServer({ root, here, port: options.jupyversePort })
    : null;
  const say = message =>
    console.log(
      `[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`
    );
  let browser = null;
  const cleanup = async () => {
    await browser?.close().catch(() => undefined);
    await Promise.all([server?.stop(), jupyverse?.stop()]);
    if (!options.keepWork) {
      for (const s of [server, jupyverse]) {
        if (s) {
          fs.rmSync(s.work, { recursive: true, force: true });
        }
      }
    }
  };
  process.once('SIGINT', () => {
    void cleanup().then(() => process.exit(130));
  });
  try {
    // Both servers start at once (they idle while the other is measured).
    if (server) {
      say(`starting jupyter lab on port ${options.port} (${server.work})`);
    }
    if (jupyverse) {
      say(
        `starting jupyverse on port ${options.jupyversePort} (${jupyverse.work})`
      );
    }
    await Promise.all([server?.start(), jupyverse?.start()]);
    browser = await chromium.launch({
      executablePath: options.chromium,
      headless: true,
      args: ['--disable-gpu', '--disable-sync', '--disable-dev-shm-usage']
    });
    const machine = {
      cpu_count: os.cpus().length,
      cpu_model: os.cpus()[0]?.model ?? null,
      memory_gb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      load_average_start: os.loadavg().map(x => Math.round(x * 100) / 100),
      versions: {
        ...versions(),
        chromium: browser.version(),
        node: process.version,
        playwright: requireUi('@playwright/test/package.json').version
      },
      commit: gitCommit(),
      date: new Date().toISOString(),
      runs: options.rounds,
      order:
        'rounds of stock, nbmodel-frontend, handoff, each round starting one later (A B C, B C A, C A B, ...)',
      servers: options.servers,
      smoke: options.smoke,
      sizes: options.sizes
    };
    const samples = Object.fromEntries(EXECUTORS.map(e => [e, {}]));
    const jvSamples = Object.fromEntries(JV_EXECUTORS.map(e => [e, {}]));
    const jvUnfinished = Object.fromEntries(JV_EXECUTORS.map(e => [e, {}]));
    const checks = [];
    const jvChecks = [];
    for (let round = 1; round <= options.rounds; round++) {
      // Each round starts with the next executor, so none always runs
      // first or last (after the others warmed or loaded the server).
      for (const executor of server ? rotated(EXECUTORS, round - 1) : []) {
        say(`round ${round}/${options.rounds}: ${executor}`);
        const result = await runRound({
          browser,
          server,
          executor,
          round,
          options,
          log: message => say(`  ${executor}: ${message}`)
        });
        for (const [scenario, values] of Object.entries(result.samples)) {
          (samples[executor][scenario] ??= []).push(...values);
        }
        checks.push(result.check);
      }
      for (const executor of jupyverse ? JV_EXECUTORS : []) {
        if (!jupyverse.alive()) {
          say('jupyverse died: starting it again');
          await jupyverse.start();
        }
        say(`round ${round}/${options.rounds}: jupyverse ${executor}`);
        const result = await runJupyverseRound({
          browser,
          server: jupyverse,
          executor,
          round,
          options,
          log: message => say(`  jupyverse ${executor}: ${message}`)
        });
        for (const [key, values] of Object.entries(result.samples)) {
          (jvSamples[executor][key] ??= []).push(...values);
        }
        for (const [scenario, reason] of Object.entries(result.unfinished)) {
          (jvUnfinished[executor][scenario] ??= []).push(reason);
        }
        jvChecks.push(result.check);
      }
    }
    machine.load_average_end = os.loadavg().map(x => Math.round(x * 100) / 100);
    machine.duration_s = Math.round((Date.now() - started) / 1000);
    if (server && options.scenarios.length < SCENARIOS.length) {
      // A diagnostic run of some scenarios: its samples, no report.
      fs.mkdirSync(path.dirname(options.out), { recursive: true });
      fs.writeFileSync(
        options.out,
        JSON.stringify({
          machine,
          scenarios: options.scenarios,
          samples,
          // The jupyverse columns' samples, when they ran too.
          jupyverse: jupyverse ? jvSamples : undefined
        }) + '\n'
      );
      for (const scenario of options.scenarios) {
        const line = EXECUTORS.map(executor => {
          const values = samples[executor][scenario] ?? [];
          return `${executor} ${medianOf(values)} (${values.length})`;
        });
        console.log(`${scenario}: ${line.join(', ')}`);
      }
      say(`wrote ${path.relative(process.cwd(), options.out)} (no report)`);
      return;
    }
    const results = server
      ? summarize(
          { ...machine, executor_checks: summarizeChecks(checks) },
          samples
        )
      : { machine, scenarios: null };
    if (jupyverse) {
      results.jupyverse = summarizeJupyverse({
        machine: {
          versions: jupyverse.versions(),
          runs: options.rounds,
          scenarios: options.jupyverseScenarios,
          timeout_ms: options.jupyverseTimeout,
          server_starts: jupyverse.starts,
          executor_checks: summarizeJupyverseChecks(jvChecks)
        },
        scenarios: options.jupyverseScenarios,
        samples: jvSamples,
        unfinished: jvUnfinished
      });
    }
    const problems = validateResults(results);
    if (problems.length) {
      throw new Error(`results are malformed:\n  ${problems.join('\n  ')}`);
    }
    fs.mkdirSync(path.dirname(options.out), { recursive: true });
    fs.writeFileSync(options.out, JSON.stringify(results, null, 2) + '\n');
    fs.writeFileSync(
      options.summary,
      await prettierMarkdown(formatMarkdown(results))
    );
    console.log('\n' + formatTable(results));
    say(
      `wrote ${path.relative(process.cwd(), options.out)} and ${path.relative(process.cwd(), options.summary)}`
    );
  } finally {
    await cleanup();
  }
}

function summarizeChecks(checks) {
  const result = {};
  for (const executor of EXECUTORS) {
    const mine = checks.filter(c => c.executor === executor);
    const sum = key => mine.reduce((n, c) => n + c.traffic[key], 0);
    result[executor] = {
      plugin: PLUGINS[executor],
      disabled_extensions: mine[0]?.disabledExtensions ?? [],
      cell_runs: mine.reduce((n, c) => n + c.cellRuns, 0),
      websocket_execute_requests: sum('wsExecuteRequests'),
      execute_posts: sum('executePosts'),
      batch_posts: sum('handoffPosts'),
      batch_cells: sum('handoffCells'),
      request_polls: sum('requestPolls'),
      execute_listings: sum('executeListings')
    };
  }
  return result;
}

main().catch(error => {
  console.error(`bench: ${error.stack ?? error}`);
  process.exitCode = 1;
});
