#!/usr/bin/env node
/**
 * Pool benchmark runs of one build: each scenario's samples from every run
 * together, with medians, ranges and ratios over all of them. Figures kept
 * without their samples (Yjs frames, longest tasks) are the first run's.
 *
 *   node bench/pool.mjs OUT.json RUN.json RUN.json...
 *   node bench/report.mjs OUT.json   # the table and RESULTS.md
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TARGETS, evaluate, ratio, stats } from './report.mjs';

export function pool(runs) {
  const commits = [...new Set(runs.map(run => run.machine.commit))];
  if (commits.length !== 1) {
    throw new Error(`runs of different builds cannot be pooled: ${commits}`);
  }
  const pooled = structuredClone(runs[0]);
  const machine = pooled.machine;
  machine.runs = runs.reduce((sum, run) => sum + run.machine.runs, 0);
  machine.duration_s = runs.reduce(
    (sum, run) => sum + (run.machine.duration_s ?? 0),
    0
  );
  machine.load_average_end = runs[runs.length - 1].machine.load_average_end;
  machine.pooled_from = runs.map(run => ({
    date: run.machine.date,
    runs: run.machine.runs,
    load_average_start: run.machine.load_average_start,
    load_average_end: run.machine.load_average_end
  }));
  for (const [name, scenario] of Object.entries(pooled.scenarios)) {
    for (const [executor, entry] of Object.entries(scenario)) {
      // Round order is kept, so per-round pairs stay aligned.
      const samples = runs.flatMap(
        run => run.scenarios[name]?.[executor]?.samples_ms ?? []
      );
      Object.assign(entry, stats(samples));
    }
    const handoff = scenario.handoff;
    handoff.ratio_vs_stock = ratio(handoff, scenario.stock);
    handoff.ratio_vs_nbmodel_frontend = ratio(
      handoff,
      scenario['nbmodel-frontend']
    );
    handoff.targets = TARGETS.filter(t => t.scenario === name).map(t =>
      evaluate(t, pooled.scenarios)
    );
  }
  return pooled;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [out, ...inputs] = process.argv.slice(2);
  if (!out || inputs.length < 2) {
    console.error('usage: node bench/pool.mjs OUT.json RUN.json RUN.json...');
    process.exit(2);
  }
  const runs = inputs.map(file => JSON.parse(fs.readFileSync(file, 'utf8')));
  fs.writeFileSync(out, JSON.stringify(pool(runs), null, 2) + '\n');
}
