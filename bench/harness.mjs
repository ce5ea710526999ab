/**
 * Node-side pieces every server family of the benchmark shares: notebooks,
 * what a page sends (traffic), opening JupyterLab with one executor and
 * checking it is the one asked for, timing a page function, profiles.
 */
/* global window */ // only inside page functions
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as page from './page.mjs';

export function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

export function medianOf(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** An nbformat 4.5 notebook of code cells `cell-0`, `cell-1`, ... */
export function notebook(sources) {
  return {
    cells: sources.map((source, index) => ({
      cell_type: 'code',
      id: `cell-${index}`,
      metadata: {},
      source,
      outputs: [],
      execution_count: null
    })),
    metadata: {
      kernelspec: {
        display_name: 'Python 3 (ipykernel)',
        language: 'python',
        name: 'python3'
      },
      language_info: { name: 'python' }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
}

/** The sources of every scenario's notebook(s), from the sizes. */
export function scenarioSources(sizes) {
  const done = sizes.reopenCells - sizes.reopenPending;
  return {
    latency: ['x = 0', ...Array(sizes.latencyCells).fill('x = 1')],
    'run-all': Array.from({ length: sizes.runAllCells }, (_, i) => `y = ${i}`),
    'first-output': Array.from(
      { length: sizes.firstOutputCells },
      (_, i) =>
        `import time\nprint('first-line-${i}', flush=True)\ntime.sleep(${sizes.firstOutputSleep})\nprint('second-line-${i}')`
    ),
    flood: [`for i in range(${sizes.floodLines}):\n    print(f'line {i}')`],
    reopen: Array.from({ length: sizes.reopenCells }, (_, i) =>
      i === done
        ? `import time\nprint('running', flush=True)\ntime.sleep(3600)`
        : `print('out ${i}')`
    ),
    reopenDone: done
  };
}

/** Installed versions of `wanted` (pip names with `_`) in a venv. */
export function pipVersions(python, wanted) {
  const listed = JSON.parse(
    execFileSync(
      python,
      ['-m', 'pip', 'list', '--format', 'json', '--disable-pip-version-check'],
      { encoding: 'utf8' }
    )
  );
  const byName = new Map(
    listed.map(p => [p.name.toLowerCase().replace(/-/g, '_'), p.version])
  );
  const result = {};
  for (const name of wanted) {
    result[name] = byName.get(name) ?? null;
  }
  return result;
}

const EXECUTE = /\/api\/kernels\/[^/]+\/execute$/;
const HANDOFF_EXECUTE = /\/api\/handoff\/kernels\/[^/]+\/execute$/;

/** How many cells one POST to our jupyverse module's execute route carries. */
function handoffCells(request) {
  try {
    const body = JSON.parse(request.postData() ?? '');
    return Array.isArray(body.cells) ? body.cells.length : 1;
  } catch {
    return 0;
  }
}

/** Count what each executor sends, so the configuration can be asserted. */
export function recordTraffic(target) {
  const traffic = {
    executePosts: 0,
    executeListings: 0,
    requestPolls: 0,
    handoffPosts: 0,
    handoffCells: 0,
    handoffPolls: 0,
    wsExecuteRequests: 0,
    yjsFrames: 0,
    yjsBytes: 0,
    yjsFramesSent: 0
  };
  // Wall-clock times of each POST that submits cells: sent, and answered.
  const posts = [];
  Object.defineProperty(traffic, 'posts', { value: posts, enumerable: false });
  target.on('requestfinished', request => {
    const { pathname } = new URL(request.url());
    if (
      request.method() === 'POST' &&
      (EXECUTE.test(pathname) || HANDOFF_EXECUTE.test(pathname))
    ) {
      const timing = request.timing();
      posts.push({
        sent: timing.startTime,
        answered: timing.startTime + timing.responseEnd
      });
    }
  });
  target.on('request', request => {
    const { pathname } = new URL(request.url());
    if (HANDOFF_EXECUTE.test(pathname)) {
      if (request.method() === 'POST') {
        traffic.handoffPosts++;
        traffic.handoffCells += handoffCells(request);
      }
    } else if (/\/api\/handoff\/kernels\/[^/]+\/requests/.test(pathname)) {
      traffic.handoffPolls++;
    } else if (EXECUTE.test(pathname)) {
      if (request.method() === 'POST') {
        traffic.executePosts++;
      } else {
        traffic.executeListings++;
      }
    } else if (/\/api\/kernels\/[^/]+\/requests\//.test(pathname)) {
      traffic.requestPolls++;
    }
  });
  target.on('websocket', socket => {
    if (/\/api\/kernels\//.test(socket.url())) {
      socket.on('framesent', frame => {
        const payload =
          typeof frame.payload === 'string'
            ? frame.payload
            : frame.payload.toString('latin1');
        if (payload.includes('"msg_type":"execute_request"')) {
          traffic.wsExecuteRequests++;
        }
      });
    } else if (/\/api\/collaboration\/room\//.test(socket.url())) {
      socket.on('framereceived', frame => {
        traffic.yjsFrames++;
        traffic.yjsBytes += frame.payload.length;
      });
      socket.on('framesent', () => {
        traffic.yjsFramesSent++;
      });
    }
  });
  return traffic;
}

export function delta(after, before) {
  const result = {};
  for (const key of Object.keys(after)) {
    result[key] = after[key] - (before[key] ?? 0);
  }
  return result;
}

let workspaceCounter = 0;

/**
 * A new tab with JupyterLab for one executor, in a workspace of its own;
 * `server.labUrl(executor, workspace)` says where.
 */
export async function openLab(context, server, executor) {
  const tab = await context.newPage();
  const traffic = recordTraffic(tab);
  tab.on('pageerror', error =>
    console.warn(`  [${executor}] page error: ${error.message}`)
  );
  const workspace = `${process.pid}-${++workspaceCounter}`;
  const response = await tab.goto(server.labUrl(executor, workspace));
  if (!response?.ok()) {
    throw new Error(
      `JupyterLab for ${executor}: ${response?.status()} ${(await response?.text())?.slice(0, 300)}`
    );
  }
  await tab.waitForFunction(() => !!window.jupyterapp, null, {
    timeout: 120000
  });
  await tab.evaluate(() => window.jupyterapp.restored);
  return { tab, traffic };
}

/**
 * Assert that the page runs cells with the intended executor: the page
 * config is the one asked for, the intended plugin is active and no other
 * executor plugin is even registered (except `spec.alsoRegistered`).
 *
 * spec: {plugins: {executor: id}, others: [id], alsoRegistered: {executor: [id]}}
 */
export async function checkPlugins(tab, executor, spec) {
  const ids = [...new Set([...Object.values(spec.plugins), ...spec.others])];
  const info = await tab.evaluate(page.pageExecutorInfo, ids);
  const problems = [];
  if (info.benchExecutor !== executor) {
    problems.push(`page config is for ${info.benchExecutor}`);
  }
  const also = spec.alsoRegistered?.[executor] ?? [];
  for (const id of ids) {
    const want = id === spec.plugins[executor];
    const { registered, activated } = info.plugins[id];
    if (want && !activated) {
      problems.push(`${id} not activated`);
    }
    if (also.includes(id)) {
      if (!registered) {
        problems.push(`${id} not registered`);
      }
    } else if (!want && registered) {
      problems.push(`${id} registered`);
    }
  }
  if (problems.length) {
    throw new Error(
      `executor configuration "${executor}" is wrong: ${problems.join('; ')}`
    );
  }
  return info;
}

/** Run a page function; the result gets the traffic it caused. */
export async function timed(tab, traffic, fn, args) {
  const before = { ...traffic };
  const result = await tab.evaluate(fn, args);
  return { ...result, traffic: delta(traffic, before) };
}

export function checkSettled(label, result) {
  if (result.settled !== 'ok') {
    throw new Error(
      `${label}: the run command did not end well (${result.settled})`
    );
  }
}

export const noProfiler = { start: async () => {}, stop: async () => {} };

/**
 * DevTools timeline traces of one page (style, layout, paint and script
 * events), for where the browser's own time went; `bench/trace.mjs`
 * sums them.
 */
export async function timelineTracer(tab, dir, fileName) {
  fs.mkdirSync(dir, { recursive: true });
  const cdp = await tab.context().newCDPSession(tab);
  return {
    start: () =>
      cdp.send('Tracing.start', {
        transferMode: 'ReturnAsStream',
        traceConfig: {
          includedCategories: [
            'devtools.timeline',
            'disabled-by-default-devtools.timeline',
            'blink.user_timing'
          ]
        }
      }),
    stop: async name => {
      const complete = new Promise(resolve =>
        cdp.once('Tracing.tracingComplete', resolve)
      );
      await cdp.send('Tracing.end');
      const { stream } = await complete;
      const chunks = [];
      for (;;) {
        const { data, eof, base64Encoded } = await cdp.send('IO.read', {
          handle: stream
        });
        chunks.push(base64Encoded ? Buffer.from(data, 'base64') : data);
        if (eof) {
          break;
        }
      }
      await cdp.send('IO.close', { handle: stream });
      fs.writeFileSync(
        path.join(dir, `${fileName(name)}.trace.json`),
        chunks.map(chunk => chunk.toString()).join('')
      );
    }
  };
}

/** Sampling CPU profiles of one page (DevTools' .cpuprofile format). */
export async function cpuProfiler(tab, dir, fileName) {
  fs.mkdirSync(dir, { recursive: true });
  const cdp = await tab.context().newCDPSession(tab);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
  return {
    start: () => cdp.send('Profiler.start'),
    stop: async name => {
      const { profile } = await cdp.send('Profiler.stop');
      fs.writeFileSync(
        path.join(dir, `${fileName(name)}.cpuprofile`),
        JSON.stringify(profile)
      );
    }
  };
}
