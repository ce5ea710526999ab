/**
 * The benchmark's jupyverse columns: the same scenarios on one real
 * jupyverse (its own venv, `.venv-jupyverse`), with three executors:
 *
 * - `stock`: JupyterLab's own executor, cells through the kernel websocket;
 * - `jupyter-collaboration`: jupyter-collaboration's executor, which POSTs
 *   each cell to jupyverse's own `/api/kernels/<id>/execute`;
 * - `handoff`: ours, with our jupyverse backend and our queue module.
 *
 * jupyverse's own server-side execution can lose a cell (a run that never
 * ends): every wait has a timeout, and a scenario that times out is recorded
 * as "did not finish" with its reason, never waited on. The rest of that
 * round then gets a fresh kernel. jupyverse's server dies when an `aborted`
 * execute reply reaches it (a cell queued in its kernel behind an error or an
 * interrupt): the harness never runs a failing cell, never interrupts a
 * kernel with cells queued in it, and queues the reopen scenario through our
 * module, which feeds the kernel one cell at a time. If the server dies
 * anyway, the rest of that round is "did not finish (server died)" and the
 * server is started again for the next round.
 */
/* global window */ // only inside page functions
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  checkPlugins,
  notebook,
  openLab,
  pipVersions,
  scenarioSources,
  sleep,
  timed
} from './harness.mjs';
import * as page from './page.mjs';
import { JV_EXECUTORS } from './report_jupyverse.mjs';

const PLUGIN_SPEC = {
  plugins: {
    stock: '@jupyterlab/notebook-extension:cell-executor',
    'jupyter-collaboration':
      '@jupyter/docprovider-extension:notebook-cell-executor',
    handoff: '@jupyterlab-handoff/extension:executor'
  },
  others: [
    '@datalayer/jupyter-server-nbmodel:notebook-cell-executor',
    '@datalayer/jupyter-server-nbmodel:notebook-execution-restorer'
  ]
};

/** A configuration or harness problem: stops the benchmark. */
class Fatal extends Error {}

export class JupyverseServer {
  constructor({ root, here, port }) {
    this.root = root;
    this.here = here;
    this.port = port;
    this.token = randomBytes(16).toString('hex');
    this.base = `http://127.0.0.1:${port}`;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    this.work = path.join(here, '.work', `${stamp}-${process.pid}-jupyverse`);
    this.python = path.join(root, '.venv-jupyverse', 'bin', 'python');
    this.cookie = null;
    this.starts = 0;
  }

  versions() {
    return pipVersions(this.python, [
      'jupyverse',
      'fps_kernels',
      'fps_yjs',
      'fps_yrooms',
      'jupyterlab_js',
      'jupyter_docprovider',
      'jupyter_ydoc',
      'pycrdt',
      'ipykernel',
      'jupyterlab_handoff'
    ]);
  }

  alive() {
    return !!this.process && !this.gone;
  }

  async start() {
    this.starts++;
    // A fresh directory per start: jupyverse keeps its file ids and room
    // store in the working directory.
    this.notebooks = path.join(this.work, `root-${this.starts}`);
    fs.mkdirSync(this.notebooks, { recursive: true });
    const log = fs.openSync(path.join(this.work, 'server.log'), 'a');
    this.process = spawn(
      this.python,
      [
        path.join(this.here, 'jupyverse_bench.py'),
        ...['--host', '127.0.0.1', '--port', String(this.port)],
        // jupyverse gives each module 1 s to start by default.
        ...['--timeout', '120'],
        ...['--set', 'auth.mode=token', '--set', `auth.token=${this.token}`],
        // Its users and secret live in ~/.local/share/jupyter unless told
        // otherwise, shared with every other jupyverse on the machine.
        ...['--set', `auth.directory=${path.join(this.work, 'auth')}`],
        ...['--set', 'kernels.require_yjs=true'],
        ...['--set', 'jupyterlab.server_side_execution=true'],
        ...['--set', 'frontend.collaborative=true']
      ],
      { cwd: this.notebooks, stdio: ['ignore', log, log] }
    );
    this.gone = false;
    this.exited = new Promise(resolve =>
      this.process.once('exit', () => {
        this.gone = true;
        resolve();
      })
    );
    this.cookie = null;
    const deadline = Date.now() + 120000;
    for (;;) {
      if (!this.alive()) {
        throw new Fatal(
          `jupyverse exited (${this.process.exitCode ?? this.process.signalCode}); see ${this.work}/server.log`
        );
      }
      try {
        await this.login();
        return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        throw new Fatal(`jupyverse did not start; see ${this.work}/server.log`);
      }
      await sleep(250);
    }
  }

  /** `?token=` logs in: the cookie it sets authenticates what follows. */
  async login() {
    const response = await fetch(
      `${this.base}/api/status?token=${this.token}`,
      { redirect: 'manual' }
    );
    const cookie = response.headers
      .getSetCookie()
      .find(c => c.startsWith('fastapiusersauth='));
    if (!response.ok || !cookie) {
      throw new Error(`login: ${response.status}`);
    }
    this.cookie = cookie.split(';')[0];
  }

  async stop() {
    if (this.alive()) {
      // jupyverse leaves its kernels running when it stops.
      try {
        for (const kernel of await this.json('GET', 'api/kernels')) {
          await this.json(
            'DELETE',
            `api/kernels/${kernel.id}`,
            undefined,
            [204, 404]
          );
        }
      } catch {
        // stopping anyway
      }
      this.process.kill('SIGTERM');
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 10000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  /** JupyterLab for one executor (the workspace name tells our hook). */
  labUrl(executor, workspace) {
    return `${this.base}/lab/workspaces/bench--${executor}--${workspace}?token=${this.token}`;
  }

  async json(method, route, body, expected = [200, 201]) {
    const response = await fetch(`${this.base}/${route}`, {
      method,
      redirect: 'manual',
      headers: { Cookie: this.cookie, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    const text = await response.text();
    if (!expected.includes(response.status)) {
      throw new Error(`${method} ${route}: ${response.status} ${text}`);
    }
    return text ? JSON.parse(text) : null;
  }

  async writeNotebook(notebookPath, sources) {
    await this.json('PUT', `api/contents/${notebookPath}`, {
      path: notebookPath,
      type: 'notebook',
      format: 'json',
      content: notebook(sources)
    });
  }

  /** A session for a notebook: on `kernelId`, or on a new kernel. */
  async session(notebookPath, kernelId) {
    return this.json('POST', 'api/sessions', {
      path: notebookPath,
      name: path.basename(notebookPath),
      type: 'notebook',
      kernel: kernelId ? { id: kernelId } : { name: 'python3' }
    });
  }
}

/**
 * Assert what went over the wire for one finished scenario matches the
 * executor: the kernel websocket for stock, jupyverse's execute route for
 * jupyter-collaboration, our module's route for handoff (which may carry
 * several cells per POST), one cell each.
 */
function checkTraffic(executor, traffic, cellRuns, label) {
  const sent = {
    stock: traffic.wsExecuteRequests,
    'jupyter-collaboration': traffic.executePosts,
    handoff: traffic.handoffCells
  };
  const problems = [];
  for (const [key, value] of Object.entries(sent)) {
    const want = key === executor ? cellRuns : 0;
    if (value !== want) {
      problems.push(`${value} cells sent the ${key} way, not ${want}`);
    }
  }
  if (problems.length) {
    throw new Fatal(
      `${label}: traffic does not match executor "${executor}": ${problems.join('; ')}`
    );
  }
}

/**
 * One round of the chosen scenarios with one executor on jupyverse, in a
 * fresh browser context. Returns samples, the scenarios that did not finish
 * (with why) and the traffic totals.
 */
export async function runJupyverseRound({
  browser,
  server,
  executor,
  round,
  options,
  log
}) {
  const sizes = options.sizes;
  const timeout = options.jupyverseTimeout;
  const scenarios = options.jupyverseScenarios;
  const nb = name => `r${round}-${executor}-${name}.ipynb`;
  const sources = scenarioSources(sizes);
  for (const name of scenarios) {
    await server.writeNotebook(nb(name), sources[name]);
  }
  const samples = {};
  const record = (key, value) => (samples[key] ??= []).push(value);
  const unfinished = {};
  const totals = {
    cellRuns: 0,
    ws: 0,
    executePosts: 0,
    handoffCells: 0,
    handoffPosts: 0
  };
  const sessions = [];
  let kernelId = null;
  /** A session for the notebook, on the round's kernel (a fresh one after a failure). */
  const ensureSession = async name => {
    const session = await server.session(nb(name), kernelId);
    kernelId = session.kernel.id;
    sessions.push(session);
    return session;
  };

  const context = await browser.newContext({
    viewport: { width: 1366, height: 900 }
  });
  await context.addInitScript({
    content: `(${page.installPageHelpers})();\nwindow.__benchReopenState = ${page.reopenState};`
  });
  try {
    // The first scenario's kernel starts while the page loads.
    const first = scenarios[0] === 'reopen' ? null : scenarios[0];
    const firstSession = first
      ? ensureSession(first).then(
          () => null,
          error => error
        )
      : Promise.resolve(null);
    const { tab, traffic } = await openLab(context, server, executor);
    const firstError = await firstSession;
    const plugins = await checkPlugins(tab, executor, PLUGIN_SPEC);
    const guard = promise => guarded(server, promise, timeout);
    const open = p =>
      guard(tab.evaluate(page.openNotebook, { path: p, timeout }));
    const settled = (label, result) => {
      if (result.settled !== 'ok') {
        throw new Error(`${label}: the run command ended ${result.settled}`);
      }
    };
    const steps = {
      latency: async () => {
        await open(nb('latency'));
        const warm = await guard(
          timed(tab, traffic, page.runOneCell, {
            index: 0,
            timeout
          })
        );
        settled('latency warm-up', warm);
        record('latency-first', warm.ms);
        for (let i = 1; i <= sizes.latencyCells; i++) {
          const result = await guard(
            timed(tab, traffic, page.runOneCell, {
              index: i,
              timeout
            })
          );
          settled(`latency cell ${i}`, result);
          record('latency', result.ms);
          await sleep(50);
        }
        return sizes.latencyCells + 1;
      },
      'run-all': async () => {
        await open(nb('run-all'));
        // jupyverse's own executor can run the cells out of order: time
        // until every cell has its count.
        const all = await guard(
          timed(tab, traffic, page.runAll, {
            timeout,
            every: true
          })
        );
        settled('run-all', all);
        if (all.counted !== sizes.runAllCells) {
          throw new Error(
            `${all.counted}/${sizes.runAllCells} cells have a count`
          );
        }
        record('run-all', all.ms);
        record('run-all-yjs-frames', all.traffic.yjsFrames);
        return sizes.runAllCells;
      },
      'first-output': async () => {
        await open(nb('first-output'));
        for (let i = 0; i < sizes.firstOutputCells; i++) {
          const result = await guard(
            timed(tab, traffic, page.firstOutput, {
              index: i,
              marker: `first-line-${i}`,
              timeout
            })
          );
          settled('first-output', result);
          record('first-output', result.ms);
          // jupyter-collaboration's run command ends when its POST is
          // answered: the next cell waits until this one has ended, so it
          // is never queued in the kernel behind it.
          await guard(tab.evaluate(page.cellCounted, { index: i, timeout }));
        }
        return sizes.firstOutputCells;
      },
      flood: async () => {
        await open(nb('flood'));
        const flood = await guard(
          timed(tab, traffic, page.flood, {
            lines: sizes.floodLines,
            timeout,
            tail: 500
          })
        );
        settled('flood', flood);
        if (!flood.exact) {
          throw new Error(
            `the output shows ${flood.linesSeen} lines, not exactly lines 0..${sizes.floodLines - 1}`
          );
        }
        record('flood', flood.ms);
        record('flood-longest-task', flood.longestTask);
        record('flood-blocking', flood.blocking);
        return 1;
      },
      reopen: () =>
        reopenStep({
          context,
          tab,
          server,
          executor,
          nb,
          sources,
          sizes,
          timeout,
          guard
        })
    };
    for (const name of scenarios) {
      if (!server.alive()) {
        unfinished[name] = 'the server died earlier in this round';
        continue;
      }
      const before = { ...traffic };
      let outcome;
      try {
        if (name === first && firstError) {
          throw firstError;
        } else if (name !== first && name !== 'reopen') {
          await ensureSession(name);
        }
        outcome = await steps[name]();
      } catch (error) {
        if (error instanceof Fatal) {
          throw error;
        }
        const message = firstLine(error);
        const reason =
          server.alive() || message === 'the server died'
            ? message
            : `the server died (${message})`;
        unfinished[name] = reason;
        log(`${name} did not finish: ${reason}`);
        // Whatever still runs there is not waited on: a fresh kernel next.
        kernelId = null;
        await tab.evaluate(page.closeCurrent).catch(() => undefined);
        continue;
      }
      if (name === 'reopen') {
        for (const [key, value] of Object.entries(outcome)) {
          record(key, value);
        }
      } else {
        const cellRuns = outcome;
        const used = {};
        for (const key of Object.keys(traffic)) {
          used[key] = traffic[key] - before[key];
        }
        checkTraffic(executor, used, cellRuns, name);
        totals.cellRuns += cellRuns;
        totals.ws += used.wsExecuteRequests;
        totals.executePosts += used.executePosts;
        totals.handoffCells += used.handoffCells;
        totals.handoffPosts += used.handoffPosts;
        await tab.evaluate(page.closeCurrent);
      }
      log(`${name} done`);
    }
    return {
      samples,
      unfinished,
      check: {
        executor,
        round,
        plugin: PLUGIN_SPEC.plugins[executor],
        disabledExtensions: plugins.disabledExtensions,
        ...totals
      }
    };
  } finally {
    await context.close();
    // No interrupt: with cells queued in a kernel it would kill jupyverse.
    // Deleting a kernel also drops its sessions (deleting a session stops
    // its kernel even when another session shares it, and then fails on
    // that other session).
    for (const id of new Set(sessions.map(s => s.kernel.id))) {
      await server
        .json('DELETE', `api/kernels/${id}`, undefined, [204, 404])
        .catch(() => undefined);
    }
  }
}

/**
 * reopen: our module runs the notebook (POSTed from here, not by any
 * executor: it feeds its kernel one cell at a time, so nothing waits in the
 * kernel) while a first tab holds the shared document; then that tab closes
 * and a second one opens the notebook and is timed.
 */
async function reopenStep({
  context,
  tab,
  server,
  executor,
  nb,
  sources,
  sizes,
  timeout,
  guard
}) {
  const { reopenCells: cells, reopenPending: pending } = sizes;
  const done = sources.reopenDone;
  const session = await server.session(nb('reopen'), null);
  const kernel = session.kernel.id;
  try {
    const opened = await guard(
      tab.evaluate(page.openNotebook, { path: nb('reopen'), timeout })
    );
    await server.json(
      'POST',
      `api/handoff/kernels/${kernel}/execute`,
      {
        document_id: opened.documentId,
        cells: sources.reopen.map((code, i) => ({ cell_id: `cell-${i}`, code }))
      },
      [202]
    );
    await waitForQueue(server, kernel, pending, timeout);
    await guard(
      tab.waitForFunction(
        args => window.__benchReopenState(args).ready,
        { cells, done, pending },
        { timeout, polling: 100 }
      )
    );
    await tab.close();
    const second = await guard(openLab(context, server, executor));
    await checkPlugins(second.tab, executor, PLUGIN_SPEC);
    const reopened = await guard(
      timed(second.tab, second.traffic, page.reopen, {
        path: nb('reopen'),
        cells,
        done,
        pending,
        timeout,
        indicator: executor === 'handoff',
        indicatorTimeout: timeout
      })
    );
    // Still the same server state, or the figure is not what it claims.
    await waitForQueue(server, kernel, pending, 0);
    const t = second.traffic;
    if (t.executePosts || t.handoffPosts || t.wsExecuteRequests) {
      throw new Fatal('reopen: the reopening tab ran cells');
    }
    const figures = { 'reopen-outputs': reopened.outputsMs };
    if (executor === 'handoff') {
      if (reopened.indicatorMs === null) {
        throw new Error(
          `the status item never showed the counts (last seen ${JSON.stringify(reopened.indicatorSeen)})`
        );
      }
      figures['reopen-indicator'] = reopened.indicatorMs;
      figures.reopen = Math.max(reopened.outputsMs, reopened.indicatorMs);
    } else {
      figures.reopen = reopened.outputsMs;
    }
    return figures;
  } finally {
    // Our module drops its queue when the interrupt succeeds; the kernel
    // itself has only the running cell, so nothing is aborted.
    await server
      .json('POST', `api/kernels/${kernel}/interrupt`, {}, [200, 204])
      .catch(() => undefined);
    await server
      .json('DELETE', `api/kernels/${kernel}`, undefined, [204, 404])
      .catch(() => undefined);
  }
}

/** Wait until our module lists exactly 1 running + `pending - 1` queued. */
async function waitForQueue(server, kernel, pending, timeout) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const listing = await server.json(
      'GET',
      `api/handoff/kernels/${kernel}/requests`
    );
    const statuses = listing.map(r => r.status);
    const running = statuses.filter(s => s === 'running').length;
    const queued = statuses.filter(s => s === 'queued').length;
    if (running === 1 && queued === pending - 1) {
      return;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `the queue module lists ${JSON.stringify(statuses)}, not 1 running + ${pending - 1} queued`
      );
    }
    await sleep(100);
  }
}

/**
 * A wait in the page, bounded from here too: page-side waits have their own
 * timeouts, but some (a document that never loads) have none, and a dead
 * server is known at once.
 */
function guarded(server, promise, timeout) {
  let timer;
  const deadline = new Promise((resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`no answer from the page in ${timeout + 15000} ms`)),
      timeout + 15000
    );
  });
  const died = server.exited.then(() => {
    throw new Error('the server died');
  });
  return Promise.race([promise, deadline, died]).finally(() =>
    clearTimeout(timer)
  );
}

function firstLine(error) {
  return String(error?.message ?? error)
    .split('\n')[0]
    .replace(/^page\.evaluate: (Error: )?/, '')
    .slice(0, 200);
}

export function summarizeJupyverseChecks(checks) {
  const result = {};
  for (const executor of JV_EXECUTORS) {
    const mine = checks.filter(c => c.executor === executor);
    const sum = key => mine.reduce((n, c) => n + c[key], 0);
    result[executor] = {
      plugin: PLUGIN_SPEC.plugins[executor],
      disabled_extensions: mine[0]?.disabledExtensions ?? [],
      cell_runs: sum('cellRuns'),
      websocket_execute_requests: sum('ws'),
      jupyverse_execute_posts: sum('executePosts'),
      handoff_cells_posted: sum('handoffCells'),
      handoff_posts: sum('handoffPosts')
    };
  }
  return result;
}
