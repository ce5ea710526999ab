#!/usr/bin/env node
/**
 * Smoke test of the benchmark harness, run by scripts/test.sh: one short
 * iteration of every scenario with every executor on jupyter-server, and of
 * one scenario (latency) with every executor on jupyverse, written to a temporary
 * directory (never over bench/results.json), then a check that the results
 * file is well formed. No timing is asserted.
 *
 *   node bench/smoke.mjs [--report FILE]
 *
 * Fails when the harness fails (including its checks that each page really
 * used the intended executor) or when the file is malformed. The report
 * (`{passed, failed, problems, seconds}`) feeds scripts/summary.mjs.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXECUTORS, SCENARIOS, validateResults } from './report.mjs';
import { JV_EXECUTORS } from './report_jupyverse.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const reportIndex = args.indexOf('--report');
const reportFile =
  reportIndex >= 0 ? path.resolve(args[reportIndex + 1]) : null;

const started = Date.now();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-bench-smoke-'));
const out = path.join(dir, 'results.json');
const summary = path.join(dir, 'RESULTS.md');
const problems = [];

console.log(`bench smoke: node bench/bench.mjs --smoke --out ${out}`);
const run = spawnSync(
  process.execPath,
  [path.join(here, 'bench.mjs'), '--smoke', '--out', out, '--summary', summary],
  { stdio: 'inherit' }
);
if (run.status !== 0) {
  problems.push(`bench.mjs --smoke exited with ${run.status ?? run.signal}`);
}

let results = null;
if (!fs.existsSync(out)) {
  problems.push('no results file was written');
} else {
  try {
    results = JSON.parse(fs.readFileSync(out, 'utf8'));
  } catch (error) {
    problems.push(`the results file is not JSON: ${error.message}`);
  }
}
if (results) {
  problems.push(...validateResults(results));
  if (results.machine?.smoke !== true) {
    problems.push('machine.smoke is not true');
  }
  const markdown = fs.existsSync(summary)
    ? fs.readFileSync(summary, 'utf8')
    : '';
  for (const word of [...SCENARIOS, ...EXECUTORS]) {
    if (!markdown.includes(word)) {
      problems.push(`the markdown summary does not mention ${word}`);
    }
  }
  // jupyverse: one scenario, every column; ours and stock must finish
  // (jupyverse's own executor may not: it can lose a cell).
  const jv = results.jupyverse;
  if (!jv) {
    problems.push('no jupyverse results');
  } else {
    for (const scenario of Object.keys(jv.scenarios ?? {})) {
      for (const executor of ['stock', 'handoff']) {
        const entry = jv.scenarios[scenario][executor];
        if (entry?.did_not_finish) {
          problems.push(
            `jupyverse ${scenario}, ${executor} did not finish: ${entry.did_not_finish_reasons}`
          );
        }
      }
    }
    for (const word of ['## jupyverse', ...JV_EXECUTORS]) {
      if (!markdown.includes(word)) {
        problems.push(`the markdown summary does not mention ${word}`);
      }
    }
  }
  // The check itself must be able to fail: a broken copy must be rejected.
  const broken = structuredClone(results);
  delete broken.scenarios.flood.handoff;
  broken.scenarios.latency.stock.median_ms = 'fast';
  broken.scenarios['run-all']['nbmodel-frontend'].runs = 0;
  if (validateResults(broken).length < 3) {
    problems.push('validateResults accepts a malformed results file');
  }
  if (jv) {
    const brokenJv = structuredClone(results);
    const [scenario] = Object.keys(brokenJv.jupyverse.scenarios);
    delete brokenJv.jupyverse.scenarios[scenario].handoff;
    // A column with no figure must say why.
    const stock = brokenJv.jupyverse.scenarios[scenario].stock;
    Object.assign(stock, { runs: 0, median_ms: null, did_not_finish: 0 });
    if (validateResults(brokenJv).length < 2) {
      problems.push('validateResults accepts malformed jupyverse results');
    }
  }
}

const seconds = Math.round((Date.now() - started) / 1000);
const report = {
  passed: problems.length ? 0 : 1,
  failed: problems.length ? 1 : 0,
  problems,
  seconds,
  results: out
};
if (reportFile) {
  fs.mkdirSync(path.dirname(reportFile), { recursive: true });
  fs.writeFileSync(reportFile, JSON.stringify(report, null, 2) + '\n');
}
if (problems.length) {
  console.error(`bench smoke: FAILED after ${seconds} s`);
  for (const problem of problems) {
    console.error(`  - ${problem}`);
  }
  process.exitCode = 1;
} else {
  console.log(`bench smoke: passed in ${seconds} s (${out})`);
}
