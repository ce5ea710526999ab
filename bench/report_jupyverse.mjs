/**
 * The jupyverse part of bench/results.json (`results.jupyverse`), its check
 * and its tables. A column can "not finish" a scenario (a timeout, or the
 * server died): such a round has no figure, its reason is kept, and a ratio
 * is given only between columns that finished every round.
 */

import { executorChecksTable, mdTable } from './tables.mjs';

export const JV_EXECUTORS = ['stock', 'jupyter-collaboration', 'handoff'];

function round1(value) {
  return Math.round(value * 10) / 10;
}

function stats(values) {
  const sorted = values
    .filter(v => typeof v === 'number')
    .sort((a, b) => a - b);
  if (!sorted.length) {
    return { median_ms: null, min_ms: null, max_ms: null, runs: 0 };
  }
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return {
    median_ms: round1(median),
    min_ms: round1(sorted[0]),
    max_ms: round1(sorted[sorted.length - 1]),
    runs: sorted.length
  };
}

function medianOrNull(values) {
  return stats(values ?? []).median_ms;
}

function ratio(a, b) {
  if (!a?.median_ms || !b?.median_ms || a.did_not_finish || b.did_not_finish) {
    return null;
  }
  return Math.round((a.median_ms / b.median_ms) * 100) / 100;
}

/**
 * samples[executor][key]: per-run values; unfinished[executor][scenario]:
 * the reason of each round that did not finish.
 */
export function summarizeJupyverse({
  machine,
  scenarios,
  samples,
  unfinished
}) {
  const out = {};
  for (const scenario of scenarios) {
    out[scenario] = {};
    for (const executor of JV_EXECUTORS) {
      const mine = samples[executor] ?? {};
      const reasons = unfinished[executor]?.[scenario] ?? [];
      const entry = {
        ...stats(mine[scenario] ?? []),
        rounds: machine.runs,
        did_not_finish: reasons.length
      };
      if (reasons.length) {
        entry.did_not_finish_reasons = [...new Set(reasons)];
      }
      if (scenario === 'latency') {
        entry.first_run_ms = medianOrNull(mine['latency-first']);
      } else if (scenario === 'run-all') {
        entry.yjs_frames_received = medianOrNull(mine['run-all-yjs-frames']);
      } else if (scenario === 'flood') {
        const tasks = (mine['flood-longest-task'] ?? []).filter(
          v => typeof v === 'number'
        );
        entry.longest_task_ms = tasks.length ? Math.max(...tasks) : null;
        entry.blocking_ms = medianOrNull(mine['flood-blocking']);
      } else if (scenario === 'reopen') {
        entry.outputs_ms = medianOrNull(mine['reopen-outputs']);
        if (executor === 'handoff') {
          entry.indicator_ms = medianOrNull(mine['reopen-indicator']);
        }
      }
      out[scenario][executor] = entry;
    }
    const s = out[scenario];
    s.handoff.ratio_vs_stock = ratio(s.handoff, s.stock);
    s.handoff.ratio_vs_jupyter_collaboration = ratio(
      s.handoff,
      s['jupyter-collaboration']
    );
  }
  return { machine, scenarios: out };
}

/** Problems with `results.jupyverse` (empty when well formed). */
export function validateJupyverse(jv) {
  const problems = [];
  const isObject = v =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(jv) || !isObject(jv.machine) || !isObject(jv.scenarios)) {
    return ['jupyverse is not {machine, scenarios}'];
  }
  const versions = jv.machine.versions;
  for (const name of ['jupyverse', 'fps_kernels', 'ipykernel']) {
    if (!isObject(versions) || typeof versions[name] !== 'string') {
      problems.push(`jupyverse.machine.versions.${name} is missing`);
    }
  }
  const listed = jv.machine.scenarios;
  if (
    !Array.isArray(listed) ||
    !listed.length ||
    Object.keys(jv.scenarios).sort().join() !== [...listed].sort().join()
  ) {
    problems.push('jupyverse.scenarios do not match machine.scenarios');
  }
  const finite = v => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  for (const [scenario, byExecutor] of Object.entries(jv.scenarios)) {
    for (const executor of JV_EXECUTORS) {
      const entry = byExecutor?.[executor];
      const where = `jupyverse.scenarios.${scenario}.${executor}`;
      if (!isObject(entry)) {
        problems.push(`${where} is missing`);
        continue;
      }
      if (!Number.isInteger(entry.did_not_finish) || entry.did_not_finish < 0) {
        problems.push(`${where}.did_not_finish is not a count`);
        continue;
      }
      if (
        entry.did_not_finish &&
        !(entry.did_not_finish_reasons ?? []).every(r => typeof r === 'string')
      ) {
        problems.push(`${where}: did not finish, with no reason`);
      }
      if (entry.runs === 0) {
        if (!entry.did_not_finish) {
          problems.push(`${where} has no figure and no reason`);
        }
        continue;
      }
      for (const key of ['median_ms', 'min_ms', 'max_ms']) {
        if (!finite(entry[key])) {
          problems.push(`${where}.${key} is not a finite number ≥ 0`);
        }
      }
      if (!(
        entry.min_ms <= entry.median_ms && entry.median_ms <= entry.max_ms
      )) {
        problems.push(`${where}: not min ≤ median ≤ max`);
      }
    }
    const handoff = byExecutor?.handoff;
    for (const [key, other] of [
      ['ratio_vs_stock', 'stock'],
      ['ratio_vs_jupyter_collaboration', 'jupyter-collaboration']
    ]) {
      const both =
        handoff?.runs &&
        !handoff.did_not_finish &&
        byExecutor?.[other]?.runs &&
        !byExecutor[other].did_not_finish;
      if (both && !finite(handoff[key])) {
        problems.push(
          `jupyverse.scenarios.${scenario}.handoff.${key} is missing`
        );
      }
    }
  }
  return problems;
}

function fmt(ms) {
  return ms >= 100 ? String(Math.round(ms)) : ms.toFixed(1);
}

function cell(entry) {
  if (!entry) {
    return 'n/a';
  }
  const dnf = entry.did_not_finish
    ? `did not finish ${entry.did_not_finish}/${entry.rounds}`
    : '';
  if (!entry.runs) {
    return dnf || 'n/a';
  }
  const figure = `${fmt(entry.median_ms)} (${fmt(entry.min_ms)}–${fmt(entry.max_ms)})`;
  return dnf ? `${figure}; ${dnf}` : figure;
}

export const JV_HEADER = [
  'scenario',
  'stock ms',
  'jupyter-collaboration ms',
  'handoff ms',
  'h/stock',
  'h/collab'
];

export function jupyverseRows(jv) {
  return Object.entries(jv.scenarios).map(([scenario, s]) =>
    [
      scenario,
      cell(s.stock),
      cell(s['jupyter-collaboration']),
      cell(s.handoff),
      s.handoff.ratio_vs_stock ?? 'n/a',
      s.handoff.ratio_vs_jupyter_collaboration ?? 'n/a'
    ].map(String)
  );
}

/** Why each column did not finish, one line each. */
export function jupyverseReasons(jv) {
  const lines = [];
  for (const [scenario, s] of Object.entries(jv.scenarios)) {
    for (const executor of JV_EXECUTORS) {
      for (const reason of s[executor].did_not_finish_reasons ?? []) {
        lines.push(`${scenario}, ${executor}: ${reason}`);
      }
    }
  }
  return lines;
}

/** The markdown section for RESULTS.md. */
export function jupyverseMarkdown(jv) {
  const m = jv.machine;
  const v = m.versions;
  const lines = [];
  lines.push('## jupyverse');
  lines.push('');
  lines.push(
    `The same scenarios on jupyverse ${v.jupyverse} (fps-kernels ${v.fps_kernels}, fps-yjs ${v.fps_yjs}, fps-yrooms ${v.fps_yrooms}, jupyterlab-js ${v.jupyterlab_js}, jupyter-docprovider ${v.jupyter_docprovider}, ipykernel ${v.ipykernel}), in the same rounds, in the order stock, jupyter-collaboration, handoff: stock is JupyterLab's own executor (kernel websocket), jupyter-collaboration its executor posting each cell to jupyverse's own execute route, handoff ours with our queue module. A scenario that did not end within ${m.timeout_ms / 1000} s is "did not finish" (never waited on); ratios only between columns that finished every round.`
  );
  lines.push('');
  lines.push(mdTable(JV_HEADER, jupyverseRows(jv)));
  const reasons = jupyverseReasons(jv);
  if (reasons.length) {
    lines.push('');
    lines.push('Did not finish:');
    lines.push('');
    lines.push(reasons.map(r => `- ${r}`).join('\n'));
  }
  if (m.server_starts > 1) {
    lines.push('');
    lines.push(
      `jupyverse was started ${m.server_starts} times (it died during the run and was started again).`
    );
  }
  lines.push('');
  lines.push(
    executorChecksTable(JV_EXECUTORS, m.executor_checks, [
      ['cell runs', 'cell_runs'],
      ['ws execute_request', 'websocket_execute_requests'],
      ['POST jupyverse /execute', 'jupyverse_execute_posts'],
      [
        'cells POSTed to our module (POSTs)',
        c =>
          c.handoff_posts === undefined
            ? String(c.handoff_cells_posted)
            : `${c.handoff_cells_posted} (${c.handoff_posts})`
      ]
    ])
  );
  return lines.join('\n');
}
