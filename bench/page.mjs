/**
 * Code that runs inside the JupyterLab page: the clock, the waits and the
 * Long Tasks record. Every measured interval starts and ends in the page
 * (performance.now()), so the Node side's polling never adds to a figure.
 */
/* global window, document, MutationObserver */

/**
 * Installed with `context.addInitScript` before JupyterLab's own scripts.
 */
export function installPageHelpers() {
  const bench = (window.__bench = { longTasks: [] });
  try {
    new PerformanceObserver(list => {
      for (const entry of list.getEntries()) {
        bench.longTasks.push({
          start: entry.startTime,
          duration: entry.duration
        });
      }
    }).observe({ type: 'longtask', buffered: true });
    bench.longTasksSupported = true;
  } catch {
    bench.longTasksSupported = false;
  }

  /**
   * Resolve with performance.now() at the first DOM mutation after which
   * `check()` holds (checked once per batch of mutations).
   */
  bench.when = (check, timeoutMs, what) =>
    new Promise((resolve, reject) => {
      let done = false;
      const finish = (error, value) => {
        if (done) {
          return;
        }
        done = true;
        observer.disconnect();
        clearTimeout(timer);
        clearInterval(fallback);
        if (error) {
          reject(error);
        } else {
          resolve(value);
        }
      };
      const test = () => {
        let ok = false;
        try {
          ok = check();
        } catch {
          ok = false;
        }
        if (ok) {
          finish(null, performance.now());
        }
      };
      const observer = new MutationObserver(test);
      observer.observe(document.body, {
        subtree: true,
        childList: true,
        characterData: true,
        attributes: true
      });
      // A condition can also turn true without a mutation (e.g. a model).
      const fallback = setInterval(test, 250);
      const timer = setTimeout(
        () => finish(new Error(`timed out after ${timeoutMs} ms: ${what}`)),
        timeoutMs
      );
      test();
    });

  /** Longest task and blocking time between two page times. */
  bench.tasksBetween = (from, to) => {
    let longest = 0;
    let blocking = 0;
    let count = 0;
    for (const task of bench.longTasks) {
      if (task.start + task.duration >= from && task.start <= to) {
        longest = Math.max(longest, task.duration);
        blocking += Math.max(0, task.duration - 50);
        count++;
      }
    }
    return { longest, blocking, count };
  };

  /** The visible notebook panel's DOM node. */
  bench.panelNode = () =>
    document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');

  bench.isCount = node => /^\[\d+\]:$/.test((node?.textContent ?? '').trim());

  /** Wait for a command's promise, but not forever, and never throw. */
  bench.settle = (promise, timeoutMs) =>
    Promise.race([
      Promise.resolve(promise).then(
        () => 'ok',
        error => `rejected: ${error?.message ?? error}`
      ),
      new Promise(resolve => setTimeout(() => resolve('timeout'), timeoutMs))
    ]);
}

/** Which executor plugins this page has, and its page config. */
export function pageExecutorInfo(ids) {
  const app = window.jupyterapp;
  const config = JSON.parse(
    document.getElementById('jupyter-config-data').textContent
  );
  const plugins = {};
  for (const id of ids) {
    plugins[id] = {
      registered: app.hasPlugin(id),
      activated: app.isPluginActivated(id)
    };
  }
  return {
    benchExecutor: config.benchExecutor ?? null,
    disabledExtensions: config.disabledExtensions ?? [],
    plugins
  };
}

/** Open a notebook and wait until its kernel is connected and idle. */
export async function openNotebook({ path, timeout }) {
  const app = window.jupyterapp;
  const panel = await app.commands.execute('docmanager:open', { path });
  await panel.context.ready;
  await panel.sessionContext.ready;
  const start = Date.now();
  const idOk = () =>
    !!panel.context.model.sharedModel.getState?.('document_id');
  while (
    panel.sessionContext.session?.kernel?.connectionStatus !== 'connected' ||
    panel.sessionContext.session?.kernel?.status !== 'idle' ||
    !idOk()
  ) {
    if (Date.now() - start > timeout) {
      throw new Error(
        `kernel of ${path} not ready: ${panel.sessionContext.session?.kernel?.status}, document id ${idOk()}`
      );
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  app.shell.activateById(panel.id);
  // JupyterLab renders cells beyond the first screen on idle time; measure
  // on a fully rendered notebook.
  while (panel.content.widgets.some(cell => cell.isPlaceholder())) {
    if (Date.now() - start > timeout) {
      throw new Error(`${path} never finished rendering its cells`);
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  return {
    documentId: panel.context.model.sharedModel.getState('document_id'),
    kernelId: panel.sessionContext.session.kernel.id,
    cells: panel.content.widgets.length
  };
}

/** Close the current notebook panel (the kernel keeps running). */
export async function closeCurrent() {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  if (panel) {
    panel.context.model.dirty = false;
    panel.dispose();
  }
}

/** latency: run one cell on its own; time until its count is shown. */
export async function runOneCell({ index, timeout }) {
  const bench = window.__bench;
  const app = window.jupyterapp;
  const notebook = app.shell.currentWidget.content;
  notebook.activeCellIndex = index;
  notebook.deselectAll();
  const cell = notebook.widgets[index];
  const shown = bench.when(
    () => bench.isCount(cell.node.querySelector('.jp-InputPrompt')),
    timeout,
    `count of cell ${index}`
  );
  const t0 = performance.now();
  const done = app.commands.execute('notebook:run-cell');
  let resolved = null;
  const mark = () => {
    resolved = performance.now();
  };
  done.then(mark, mark);
  const t1 = await shown;
  const settled = await bench.settle(done, timeout);
  return {
    ms: t1 - t0,
    resolvedMs: resolved === null ? null : resolved - t0,
    settled,
    t0Epoch: performance.timeOrigin + t0
  };
}

/**
 * run-all: Run All; time until the last cell's count is shown, or with
 * `every`, until every cell's is (where cells may end out of order).
 */
export async function runAll({ timeout, every = false }) {
  const bench = window.__bench;
  const app = window.jupyterapp;
  const notebook = app.shell.currentWidget.content;
  notebook.activeCellIndex = 0;
  const cells = notebook.widgets;
  const last = cells[cells.length - 1];
  const counted = cell =>
    bench.isCount(cell.node.querySelector('.jp-InputPrompt'));
  const shown = every
    ? bench.when(() => cells.every(counted), timeout, 'count of every cell')
    : bench.when(() => counted(last), timeout, 'count of the last cell');
  const t0 = performance.now();
  const done = app.commands.execute('notebook:run-all-cells');
  const t1 = await shown;
  const settled = await bench.settle(done, timeout);
  const countedCells = cells.filter(
    cell =>
      cell.model.executionCount !== null &&
      cell.model.executionState !== 'running'
  ).length;
  // With --record-timing, the kernel's own timestamps of each cell.
  const kernel = cells.map(cell => {
    const timing = cell.model.getMetadata('execution') ?? {};
    return {
      started: Date.parse(timing['shell.execute_reply.started']) || null,
      replied: Date.parse(timing['shell.execute_reply']) || null
    };
  });
  return {
    ms: t1 - t0,
    settled,
    counted: countedCells,
    cells: cells.length,
    t0Epoch: performance.timeOrigin + t0,
    kernel
  };
}

/** first-output: time until the first printed line is visible. */
export async function firstOutput({ index, marker, timeout }) {
  const bench = window.__bench;
  const app = window.jupyterapp;
  const notebook = app.shell.currentWidget.content;
  notebook.activeCellIndex = index;
  notebook.deselectAll();
  const cell = notebook.widgets[index];
  const shown = bench.when(
    () =>
      !!cell.node.querySelector('.jp-OutputArea')?.textContent.includes(marker),
    timeout,
    'first line'
  );
  const t0 = performance.now();
  const done = app.commands.execute('notebook:run-cell');
  const t1 = await shown;
  const settled = await bench.settle(done, timeout);
  return { ms: t1 - t0, settled, t0Epoch: performance.timeOrigin + t0 };
}

/** Wait (untimed) until a cell of the current notebook shows its count. */
export async function cellCounted({ index, timeout }) {
  const bench = window.__bench;
  const cell = window.jupyterapp.shell.currentWidget.content.widgets[index];
  await bench.when(
    () => bench.isCount(cell.node.querySelector('.jp-InputPrompt')),
    timeout,
    `count of cell ${index}`
  );
}

/**
 * flood: time until the complete text is visible, and the long tasks from
 * the run command until the executor settled.
 */
export async function flood({ lines, timeout, tail }) {
  const bench = window.__bench;
  const app = window.jupyterapp;
  const notebook = app.shell.currentWidget.content;
  notebook.activeCellIndex = 0;
  notebook.deselectAll();
  const cell = notebook.widgets[0];
  const area = () => cell.node.querySelector('.jp-OutputArea');
  const last = `line ${lines - 1}`;
  const lastPre = () => {
    const pres = area()?.querySelectorAll('pre') ?? [];
    return pres.length ? pres[pres.length - 1] : null;
  };
  const shown = bench.when(
    () => {
      const text = lastPre()?.textContent ?? '';
      return text.endsWith(last) || text.endsWith(last + '\n');
    },
    timeout,
    `"${last}"`
  );
  const t0 = performance.now();
  const done = app.commands.execute('notebook:run-cell');
  const t1 = await shown;
  const settled = await bench.settle(done, timeout);
  // Let trailing work (late updates, re-renders) show up as tasks too.
  await new Promise(resolve => setTimeout(resolve, tail));
  const t2 = performance.now();
  const tasks = bench.tasksBetween(t0, t2);
  // Every line exactly once, in order (checked after the clock stopped).
  const text = area().textContent;
  const seen = text.split('\n').filter(line => line.startsWith('line '));
  let exact = seen.length === lines;
  for (let i = 0; exact && i < lines; i++) {
    exact = seen[i] === `line ${i}`;
  }
  return {
    ms: t1 - t0,
    settled,
    exact,
    linesSeen: seen.length,
    longTasksSupported: bench.longTasksSupported,
    longestTask: tasks.longest,
    blocking: tasks.blocking,
    longTaskCount: tasks.count,
    outputs: area().querySelectorAll('.jp-OutputArea-output').length
  };
}

/** Whether the reopen notebook shows every output the server wrote. */
export function reopenState({ cells, done, pending }) {
  const panel = window.__bench.panelNode();
  if (!panel) {
    return { ready: false };
  }
  const cellNodes = panel.querySelectorAll('.jp-Cell');
  if (cellNodes.length !== cells) {
    return { ready: false, cells: cellNodes.length };
  }
  const texts = [];
  for (const node of cellNodes) {
    const outputs = node.querySelectorAll('.jp-OutputArea-output');
    texts.push(
      outputs.length === 1 ? outputs[0].textContent.trim() : outputs.length
    );
  }
  let ready = true;
  for (let i = 0; i < done; i++) {
    ready = ready && texts[i] === `out ${i}`;
  }
  ready = ready && texts[done] === 'running';
  for (let i = done + 1; i < done + pending; i++) {
    ready = ready && texts[i] === 0;
  }
  return { ready, texts };
}

/**
 * reopen: open the notebook; time until every output is rendered and, when
 * the page has jupyterlab-handoff, until its status item shows the counts.
 */
export async function reopen({
  path,
  cells,
  done,
  pending,
  timeout,
  indicator,
  indicatorTimeout
}) {
  const bench = window.__bench;
  const app = window.jupyterapp;
  const state = window.__benchReopenState;
  const outputs = bench.when(
    () => state({ cells, done, pending }).ready,
    timeout,
    'every output of the reopened notebook'
  );
  const expected = { running: '1', queued: String(pending - 1) };
  let lastSeen = null;
  const indicatorOk = () => {
    const item = document.querySelector('.jp-handoff-StatusItem');
    if (!item) {
      return false;
    }
    lastSeen = {
      running: item.getAttribute('data-running'),
      queued: item.getAttribute('data-queued')
    };
    return (
      lastSeen.running === expected.running &&
      lastSeen.queued === expected.queued
    );
  };
  const t0 = performance.now();
  const shown = indicator
    ? bench.when(indicatorOk, indicatorTimeout, 'status item').then(
        t => t,
        () => null
      )
    : Promise.resolve(null);
  void app.commands.execute('docmanager:open', { path });
  const t1 = await outputs;
  // A build without the status item: give up on it soon after the outputs.
  const absent = new Promise(resolve =>
    setTimeout(() => {
      if (!document.querySelector('.jp-handoff-StatusItem')) {
        resolve(null);
      }
    }, 3000)
  );
  const t2 = await Promise.race([shown, absent]);
  return {
    outputsMs: t1 - t0,
    indicatorMs: t2 === null ? null : t2 - t0,
    indicatorPresent: !!document.querySelector('.jp-handoff-StatusItem'),
    indicatorSeen: lastSeen,
    indicatorExpected: expected
  };
}
