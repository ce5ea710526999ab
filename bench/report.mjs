/**
 * From raw samples to bench/results.json, its check, the console table and
 * the markdown summary.
 *
 *   node bench/report.mjs [results.json] [RESULTS.md]
 *
 * re-renders the table and the summary from an existing results file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  JV_HEADER,
  jupyverseMarkdown,
  jupyverseReasons,
  jupyverseRows,
  validateJupyverse
} from './report_jupyverse.mjs';
import { executorChecksTable, mdTable, textTable } from './tables.mjs';

export const EXECUTORS = ['stock', 'nbmodel-frontend', 'handoff'];
export const SCENARIOS = [
  'latency',
  'run-all',
  'first-output',
  'flood',
  'reopen'
];

export const DESCRIPTIONS = {
  latency:
    'one trivial cell (`x = 1`) run on its own: run command → its execution count shown',
  'run-all': 'Run All on trivial cells → the last count shown',
  'first-output': 'print, sleep, print: run command → the first line visible',
  flood:
    'one cell printing short lines: run command → the complete text visible',
  reopen:
    'open a notebook whose cells ran on the server (some still running/queued) → every output rendered; for handoff also → the status item shows the right counts'
};

/** The issue's targets, checked against the medians. */
export const TARGETS = [
  { scenario: 'latency', against: 'stock', limit: 1.25 },
  { scenario: 'latency', against: 'nbmodel-frontend', limit: 0.5 },
  { scenario: 'run-all', against: 'stock', limit: 1.2 },
  { scenario: 'first-output', against: 'stock', limit: 1.25 },
  { scenario: 'flood', against: 'stock', limit: 1.0 },
  { scenario: 'flood', task: true, limit: 200 },
  { scenario: 'reopen', against: 'stock', limit: 1.5, reopen: true }
];

export function stats(values) {
  const sorted = values
    .filter(v => typeof v === 'number')
    .sort((a, b) => a - b);
  if (!sorted.length) {
    return null;
  }
  return {
    median_ms: round(middle(sorted)),
    min_ms: round(sorted[0]),
    max_ms: round(sorted[sorted.length - 1]),
    runs: sorted.length,
    // Every sample in the order taken, so runs can be pooled later.
    samples_ms: values.filter(v => typeof v === 'number').map(round)
  };
}

/** The median of values sorted in ascending order. */
function middle(sorted) {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function median(values) {
  return stats(values)?.median_ms ?? null;
}

function max(values) {
  const numbers = values.filter(v => typeof v === 'number');
  return numbers.length ? round(Math.max(...numbers)) : null;
}

function round(value) {
  return Math.round(value * 10) / 10;
}

/**
 * samples[executor][key] are arrays of per-run values; keys are the
 * scenario names plus extras such as 'flood-longest-task'.
 */
export function summarize(machine, samples) {
  const scenarios = {};
  for (const scenario of SCENARIOS) {
    scenarios[scenario] = {};
    for (const executor of EXECUTORS) {
      const mine = samples[executor] ?? {};
      const entry = stats(mine[scenario] ?? []) ?? {
        median_ms: null,
        min_ms: null,
        max_ms: null,
        runs: 0
      };
      switch (scenario) {
        case 'latency':
          entry.first_run_ms = median(mine['latency-first'] ?? []);
          entry.command_resolved_ms = median(mine['latency-resolved'] ?? []);
          entry.post_sent_ms = median(mine['latency-post-sent'] ?? []);
          entry.post_answered_ms = median(mine['latency-post-answered'] ?? []);
          entry.yjs_frames_received = median(mine['latency-yjs-frames'] ?? []);
          entry.yjs_frames_sent = median(mine['latency-yjs-frames-sent'] ?? []);
          break;
        case 'first-output':
          entry.post_sent_ms = median(mine['first-output-post-sent'] ?? []);
          entry.post_answered_ms = median(
            mine['first-output-post-answered'] ?? []
          );
          break;
        case 'run-all':
          entry.yjs_frames_received = median(mine['run-all-yjs-frames'] ?? []);
          entry.last_post_sent_ms = median(
            mine['run-all-last-post-sent'] ?? []
          );
          for (const key of [
            'kernel-first-start',
            'kernel-last-reply',
            'kernel-gap',
            'post-to-kernel'
          ]) {
            const values = mine[`run-all-${key}`] ?? [];
            if (values.length) {
              entry[`${key.replace(/-/g, '_')}_ms`] = median(values);
            }
          }
          break;
        case 'flood':
          entry.longest_task_ms = max(mine['flood-longest-task'] ?? []);
          entry.longest_task_median_ms = median(
            mine['flood-longest-task'] ?? []
          );
          entry.blocking_ms = median(mine['flood-blocking'] ?? []);
          entry.yjs_frames_received = median(mine['flood-yjs-frames'] ?? []);
          entry.yjs_bytes_received = median(mine['flood-yjs-bytes'] ?? []);
          break;
        case 'reopen':
          entry.outputs_ms = median(mine['reopen-outputs'] ?? []);
          if (executor === 'handoff') {
            const indicator = mine['reopen-indicator'] ?? [];
            entry.indicator_ms = indicator.some(v => v === null)
              ? null
              : median(indicator);
            if (entry.indicator_ms === null) {
              const present = (mine['reopen-indicator-present'] ?? []).some(
                Boolean
              );
              const seen = (mine['reopen-indicator-seen'] ?? []).find(Boolean);
              entry.indicator_note = present
                ? `the status item never showed the expected counts (last seen ${JSON.stringify(seen)})`
                : 'this build has no .jp-handoff-StatusItem yet; median_ms is the outputs only';
            }
          }
          break;
      }
      scenarios[scenario][executor] = entry;
    }
    const handoff = scenarios[scenario].handoff;
    handoff.ratio_vs_stock = ratio(handoff, scenarios[scenario].stock);
    handoff.ratio_vs_nbmodel_frontend = ratio(
      handoff,
      scenarios[scenario]['nbmodel-frontend']
    );
  }
  for (const target of TARGETS) {
    const handoff = scenarios[target.scenario].handoff;
    (handoff.targets ??= []).push(evaluate(target, scenarios));
  }
  return { machine, scenarios };
}

/**
 * Per-round ratios of handoff to another executor, for the scenarios with
 * one sample per round (`samples_ms` in round order).
 */
function pairedRatios(scenario, other) {
  const mine = scenario.handoff?.samples_ms ?? [];
  const theirs = scenario[other]?.samples_ms ?? [];
  if (mine.length < 2 || mine.length !== theirs.length) {
    return null;
  }
  const ratios = mine.map((value, i) => value / theirs[i]);
  const faster = ratios.filter(r => r < 1).length;
  const fmt = r => r.toFixed(2);
  const mid = middle([...ratios].sort((a, b) => a - b));
  return [
    `${fmt(mid)} (${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))})`,
    `${faster} of ${ratios.length}`
  ];
}

function pairedRows(scenarios) {
  const rows = [];
  for (const name of ['run-all', 'flood', 'reopen']) {
    const scenario = scenarios[name];
    const vsNbmodel = scenario && pairedRatios(scenario, 'nbmodel-frontend');
    const vsStock = scenario && pairedRatios(scenario, 'stock');
    if (vsNbmodel && vsStock) {
      rows.push([name, ...vsNbmodel, ...vsStock]);
    }
  }
  return rows;
}

export function ratio(a, b) {
  if (!a?.median_ms || !b?.median_ms) {
    return null;
  }
  return Math.round((a.median_ms / b.median_ms) * 100) / 100;
}

export function evaluate(target, scenarios) {
  const handoff = scenarios[target.scenario].handoff;
  if (target.task) {
    const value = handoff.longest_task_ms;
    return {
      target: `longest main-thread task ≤ ${target.limit} ms (any code; attribution in the profile)`,
      value,
      met: value === null ? null : value <= target.limit
    };
  }
  if (target.reopen) {
    const stock = scenarios.reopen.stock.outputs_ms;
    const value =
      stock && handoff.median_ms
        ? Math.round((handoff.median_ms / stock) * 100) / 100
        : null;
    const unknown = handoff.indicator_ms === null;
    return {
      target: `all outputs and a correct indicator ≤ ${target.limit} × stock's outputs`,
      value,
      met: unknown || value === null ? null : value <= target.limit,
      ...(unknown
        ? { note: 'indicator not measured: ' + handoff.indicator_note }
        : {})
    };
  }
  const value =
    target.against === 'stock'
      ? handoff.ratio_vs_stock
      : handoff.ratio_vs_nbmodel_frontend;
  return {
    target: `handoff/${target.against} ≤ ${target.limit}`,
    value,
    met: value === null ? null : value <= target.limit
  };
}

/**
 * Problems with a results object (empty when well formed). Checks the shape
 * the issue asks for, not any timing.
 */
export function validateResults(
  results,
  { executors = EXECUTORS, scenarios = SCENARIOS } = {}
) {
  const problems = [];
  const isObject = v =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(results)) {
    return ['results is not an object'];
  }
  const keys = Object.keys(results).sort().join(',');
  if (keys !== 'machine,scenarios' && keys !== 'jupyverse,machine,scenarios') {
    problems.push(
      `top-level keys are ${keys}, not machine,scenarios(,jupyverse)`
    );
  }
  const servers = results.machine?.servers ?? ['jupyter-server'];
  if (servers.includes('jupyverse') !== 'jupyverse' in results) {
    problems.push('machine.servers and the jupyverse key disagree');
  }
  if ('jupyverse' in results) {
    problems.push(...validateJupyverse(results.jupyverse));
  }
  if (!servers.includes('jupyter-server')) {
    return problems;
  }
  const machine = results.machine;
  if (!isObject(machine)) {
    problems.push('machine is not an object');
  } else {
    if (!Number.isInteger(machine.cpu_count) || machine.cpu_count < 1) {
      problems.push('machine.cpu_count is not a positive integer');
    }
    if (!Number.isInteger(machine.runs) || machine.runs < 1) {
      problems.push('machine.runs is not a positive integer');
    }
    if (!isObject(machine.versions)) {
      problems.push('machine.versions is not an object');
    } else {
      for (const name of [
        'jupyterlab',
        'jupyter_server',
        'jupyter_collaboration',
        'jupyter_server_nbmodel',
        'ipykernel',
        'chromium',
        'node',
        'playwright'
      ]) {
        if (
          typeof machine.versions[name] !== 'string' ||
          !machine.versions[name]
        ) {
          problems.push(`machine.versions.${name} is missing`);
        }
      }
    }
  }
  if (!isObject(results.scenarios)) {
    problems.push('scenarios is not an object');
    return problems;
  }
  const got = Object.keys(results.scenarios).sort().join(',');
  const want = [...scenarios].sort().join(',');
  if (got !== want) {
    problems.push(`scenarios are ${got}, not ${want}`);
  }
  for (const scenario of scenarios) {
    const byExecutor = results.scenarios[scenario];
    if (!isObject(byExecutor)) {
      problems.push(`scenarios.${scenario} is missing`);
      continue;
    }
    for (const executor of executors) {
      const entry = byExecutor[executor];
      const where = `scenarios.${scenario}.${executor}`;
      if (!isObject(entry)) {
        problems.push(`${where} is missing`);
        continue;
      }
      for (const key of ['median_ms', 'min_ms', 'max_ms']) {
        if (
          typeof entry[key] !== 'number' ||
          !Number.isFinite(entry[key]) ||
          entry[key] < 0
        ) {
          problems.push(
            `${where}.${key} is not a finite number ≥ 0: ${entry[key]}`
          );
        }
      }
      if (!Number.isInteger(entry.runs) || entry.runs < 1) {
        problems.push(`${where}.runs is not a positive integer: ${entry.runs}`);
      }
      if (!(
        entry.min_ms <= entry.median_ms && entry.median_ms <= entry.max_ms
      )) {
        problems.push(`${where}: not min ≤ median ≤ max`);
      }
      for (const [key, value] of Object.entries(entry)) {
        if (typeof value === 'number' && !Number.isFinite(value)) {
          problems.push(`${where}.${key} is not finite`);
        }
      }
    }
    const handoff = byExecutor.handoff;
    if (isObject(handoff)) {
      for (const key of ['ratio_vs_stock', 'ratio_vs_nbmodel_frontend']) {
        if (
          typeof handoff[key] !== 'number' ||
          !Number.isFinite(handoff[key])
        ) {
          problems.push(
            `scenarios.${scenario}.handoff.${key} is not a finite number`
          );
        }
      }
    }
  }
  if (isObject(results.scenarios.flood)) {
    for (const executor of executors) {
      const value = results.scenarios.flood[executor]?.longest_task_ms;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        problems.push(
          `scenarios.flood.${executor}.longest_task_ms is not a finite number`
        );
      }
    }
  }
  return problems;
}

function cell(entry) {
  if (!entry || entry.median_ms === null) {
    return 'n/a';
  }
  return `${fmt(entry.median_ms)} (${fmt(entry.min_ms)}–${fmt(entry.max_ms)})`;
}

function fmt(ms) {
  return ms >= 100 ? String(Math.round(ms)) : ms.toFixed(1);
}

function verdict(met) {
  return met === true ? 'met' : met === false ? 'MISSED' : 'unknown';
}

function rows(results) {
  return SCENARIOS.map(scenario => {
    const s = results.scenarios[scenario];
    return [
      scenario,
      cell(s.stock),
      cell(s['nbmodel-frontend']),
      cell(s.handoff),
      s.handoff.ratio_vs_stock ?? 'n/a',
      s.handoff.ratio_vs_nbmodel_frontend ?? 'n/a'
    ].map(String);
  });
}

function targetRows(results) {
  const out = [];
  for (const scenario of SCENARIOS) {
    for (const t of results.scenarios[scenario].handoff.targets ?? []) {
      out.push([scenario, t.target, String(t.value ?? 'n/a'), verdict(t.met)]);
    }
  }
  return out;
}

const HEADER = [
  'scenario',
  'stock ms',
  'nbmodel-frontend ms',
  'handoff ms',
  'h/stock',
  'h/nbmodel'
];

export function formatTable(results) {
  const parts = [];
  if (results.scenarios) {
    parts.push(jupyterServerTable(results));
  }
  if (results.jupyverse) {
    const jv = results.jupyverse;
    parts.push(
      [
        `jupyverse: median (min–max) over ${jv.machine.runs} round(s)`,
        '',
        textTable(JV_HEADER, jupyverseRows(jv)),
        ...jupyverseReasons(jv).map(r => `did not finish: ${r}`)
      ].join('\n')
    );
  }
  return parts.join('\n\n');
}

function jupyterServerTable(results) {
  const flood = results.scenarios.flood;
  const extra = EXECUTORS.map(
    e => `${e} ${flood[e].longest_task_ms ?? 'n/a'} ms`
  ).join(', ');
  return [
    `median (min–max) over ${results.machine.runs} round(s), ${results.machine.cpu_count} CPUs`,
    '',
    textTable(HEADER, rows(results)),
    '',
    `flood, longest main-thread task: ${extra}`,
    '',
    textTable(['scenario', 'target', 'value', ''], targetRows(results))
  ].join('\n');
}

export function formatMarkdown(results) {
  const m = results.machine;
  const v = m.versions;
  const s = results.scenarios;
  const sizes = m.sizes;
  const lines = [];
  lines.push('# Benchmark results');
  lines.push('');
  lines.push(
    `Generated by \`make bench\` (bench/bench.mjs) on ${m.date.slice(0, 10)} at commit \`${m.commit ?? 'unknown'}\`${m.smoke ? ' — **smoke run, sizes shrunk: not a measurement**' : ''}. Raw figures: [results.json](results.json). How it works: [README.md](README.md). What the missed targets come down to: [FINDINGS.md](FINDINGS.md).`
  );
  lines.push('');
  if (!s) {
    // jupyverse only (--servers jupyverse)
    lines.push(jupyverseMarkdown(results.jupyverse));
    lines.push('');
    return lines.join('\n');
  }
  lines.push(
    `Median (min–max) in milliseconds over ${m.runs} round(s); one round runs every scenario once with each executor; round 1 in the order stock, nbmodel-frontend, handoff, and each later round starting one executor later.`
  );
  lines.push('');
  lines.push(mdTable(HEADER, rows(results)));
  lines.push('');
  lines.push('## Targets (issue 5)');
  lines.push('');
  lines.push(
    mdTable(['scenario', 'target', 'value', 'verdict'], targetRows(results))
  );
  const paired = pairedRows(s);
  if (paired.length) {
    lines.push('');
    lines.push('## Paired by round');
    lines.push('');
    lines.push(
      "The scenarios measured once per round, compared within each round (the three executors ran back to back, so a round's load weighs on all three): the median (min–max) of the per-round ratios, and in how many rounds handoff was faster."
    );
    lines.push('');
    lines.push(
      mdTable(
        [
          'scenario',
          'h/nbmodel per round',
          'rounds faster than nbmodel',
          'h/stock per round',
          'rounds faster than stock'
        ],
        paired
      )
    );
  }
  lines.push('');
  lines.push('## Extra figures');
  lines.push('');
  const extraRows = [
    [
      'latency: first run on a fresh page (median)',
      ...EXECUTORS.map(e => String(s.latency[e].first_run_ms ?? 'n/a'))
    ],
    [
      'run-all: Yjs frames received (median)',
      ...EXECUTORS.map(e =>
        String(s['run-all'][e].yjs_frames_received ?? 'n/a')
      )
    ],
    [
      'flood: longest main-thread task, worst run (ms)',
      ...EXECUTORS.map(e => String(s.flood[e].longest_task_ms ?? 'n/a'))
    ],
    [
      'flood: longest main-thread task, median run (ms)',
      ...EXECUTORS.map(e => String(s.flood[e].longest_task_median_ms ?? 'n/a'))
    ],
    [
      'flood: blocking time (Σ task − 50 ms, median)',
      ...EXECUTORS.map(e => String(s.flood[e].blocking_ms ?? 'n/a'))
    ],
    [
      'flood: Yjs frames received (median)',
      ...EXECUTORS.map(e => String(s.flood[e].yjs_frames_received ?? 'n/a'))
    ],
    [
      'flood: Yjs bytes received (median)',
      ...EXECUTORS.map(e => String(s.flood[e].yjs_bytes_received ?? 'n/a'))
    ],
    [
      'reopen: outputs rendered (median)',
      ...EXECUTORS.map(e => String(s.reopen[e].outputs_ms ?? 'n/a'))
    ],
    [
      'reopen: status item correct (median)',
      'n/a',
      'n/a',
      String(s.reopen.handoff.indicator_ms ?? 'n/a')
    ]
  ];
  lines.push(mdTable(['figure', ...EXECUTORS], extraRows));
  lines.push('');
  lines.push(
    'A longest task of 0 means no task over 50 ms (the Long Tasks API reports only those).'
  );
  if (s.reopen.handoff.indicator_note) {
    lines.push('');
    lines.push(`reopen, handoff: ${s.reopen.handoff.indicator_note}.`);
  }
  if (results.jupyverse) {
    lines.push('');
    lines.push(jupyverseMarkdown(results.jupyverse));
  }
  lines.push('');
  lines.push('## Sizes');
  lines.push('');
  lines.push(
    [
      `- latency: ${sizes.latencyCells} cells \`x = 1\`, after one warm-up cell per page;`,
      `- run-all: ${sizes.runAllCells} cells \`y = i\`;`,
      `- first-output: ${sizes.firstOutputCells} cell(s) per round, sleeping ${sizes.firstOutputSleep} s between the two prints;`,
      `- flood: ${sizes.floodLines} lines \`line i\`;`,
      `- reopen: ${sizes.reopenCells} cells, the last ${sizes.reopenPending} still on the server (1 running, ${sizes.reopenPending - 1} queued).`
    ].join('\n')
  );
  lines.push('');
  lines.push('## Machine');
  lines.push('');
  lines.push(
    [
      `- ${m.cpu_count} × ${m.cpu_model}, ${m.memory_gb} GB, ${m.platform}`,
      `- load average at start ${m.load_average_start.join(' ')}, at end ${m.load_average_end.join(' ')} (other work on the machine adds noise)`,
      `- ${m.runs} round(s), ${m.duration_s} s in all`,
      ...(m.pooled_from
        ? [
            `- pooled from ${m.pooled_from.length} runs of this build: ${m.pooled_from.map(p => `${p.runs} rounds on ${p.date.slice(0, 16)} (load ${p.load_average_start[0]} → ${p.load_average_end[0]})`).join(', ')}; figures without samples are the first run's`
          ]
        : []),
      `- JupyterLab ${v.jupyterlab}, jupyter-server ${v.jupyter_server}, jupyter-collaboration ${v.jupyter_collaboration} (jupyter-server-ydoc ${v.jupyter_server_ydoc}, jupyter-ydoc ${v.jupyter_ydoc}, pycrdt ${v.pycrdt}), jupyter-server-nbmodel ${v.jupyter_server_nbmodel}, ipykernel ${v.ipykernel}, jupyter-client ${v.jupyter_client}, tornado ${v.tornado}, Python ${v.python}`,
      `- jupyterlab-handoff ${v.jupyterlab_handoff}, Chromium ${v.chromium}, Node ${v.node}, Playwright ${v.playwright}`
    ].join('\n')
  );
  lines.push('');
  lines.push('## Executor checks');
  lines.push('');
  lines.push(
    'Every page was checked before it was measured: its page config names the executor, the intended plugin is activated and no other executor plugin is registered. Over each round the harness also counted what went over the wire and stops if it does not match:'
  );
  lines.push('');
  lines.push(
    executorChecksTable(EXECUTORS, m.executor_checks, [
      ['cell runs', 'cell_runs'],
      ['ws execute_request', 'websocket_execute_requests'],
      ['POST /execute', 'execute_posts'],
      ['POST (batch) handoff/…/execute', 'batch_posts'],
      ['cells in batch POSTs', 'batch_cells'],
      ['GET /requests', 'request_polls'],
      ['GET /execute', 'execute_listings']
    ])
  );
  lines.push('');
  return lines.join('\n');
}

export async function prettierMarkdown(text) {
  try {
    const prettier = await import('prettier');
    return await prettier.format(text, {
      parser: 'markdown',
      proseWrap: 'preserve'
    });
  } catch {
    return text;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const input = path.resolve(
    process.argv[2] ?? path.join(here, 'results.json')
  );
  const output = path.resolve(process.argv[3] ?? path.join(here, 'RESULTS.md'));
  const results = JSON.parse(fs.readFileSync(input, 'utf8'));
  const problems = validateResults(results);
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log(formatTable(results));
  fs.writeFileSync(output, await prettierMarkdown(formatMarkdown(results)));
}
