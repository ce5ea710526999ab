#!/usr/bin/env node
/**
 * Summarize the CPU profiles written by `bench.mjs --profile DIR`: where the
 * page's main thread spent its time during each scenario, by origin
 * (jupyterlab-handoff, nbmodel's frontend, jupyter-collaboration, JupyterLab
 * core, the browser itself), and the heaviest functions of our bundle.
 *
 *   node bench/profile.mjs DIR [--top N]
 *
 * Open any .cpuprofile in Chromium DevTools (Performance panel → Load
 * profile) for the full picture.
 */
import fs from 'node:fs';
import path from 'node:path';

const ORIGINS = [
  ['handoff', /\/lab\/extensions\/@jupyterlab-handoff\/extension\//],
  ['nbmodel-frontend', /\/lab\/extensions\/@datalayer\//],
  ['jupyter-collaboration', /\/lab\/extensions\/@jupyter\//],
  ['jupyterlab core', /\/static\/lab\/|\/lab\/static\//],
  ['other extensions', /\/lab\/extensions\//]
];

function origin(node) {
  const { url, functionName } = node.callFrame;
  if (!url) {
    if (['(idle)', '(program)', '(garbage collector)'].includes(functionName)) {
      return functionName;
    }
    return '(native)';
  }
  for (const [name, pattern] of ORIGINS) {
    if (pattern.test(url)) {
      return name;
    }
  }
  return 'other';
}

/** Self time per node id, in ms, from the samples. */
function selfTimes(profile) {
  const self = new Map();
  const { samples = [], timeDeltas = [] } = profile;
  for (let i = 0; i < samples.length; i++) {
    // A sample's time is the delta to the next sample.
    const dt = (timeDeltas[i + 1] ?? 0) / 1000;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
  }
  return self;
}

/**
 * Time per origin, and the functions of `focus` with the most inclusive
 * time (a function's self time plus that of everything it called).
 */
export function summarizeProfile(profile, focus = 'handoff') {
  const self = selfTimes(profile);
  const byId = new Map(profile.nodes.map(n => [n.id, n]));
  const parent = new Map();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      parent.set(child, node.id);
    }
  }
  const byOrigin = {};
  let total = 0;
  const inclusive = new Map();
  for (const [id, ms] of self) {
    const node = byId.get(id);
    const o = origin(node);
    byOrigin[o] = (byOrigin[o] ?? 0) + ms;
    total += ms;
    // Charge this sample to each distinct focus function on its stack.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur);
      if (origin(frame) === focus) {
        const { functionName, url, lineNumber, columnNumber } = frame.callFrame;
        const key = `${functionName || '(anonymous)'} ${path.basename(url)}:${lineNumber + 1}:${columnNumber + 1}`;
        if (!seen.has(key)) {
          seen.add(key);
          inclusive.set(key, (inclusive.get(key) ?? 0) + ms);
        }
      }
    }
  }
  const busy = total - (byOrigin['(idle)'] ?? 0);
  return { total, busy, byOrigin, inclusive };
}

function main() {
  const args = process.argv.slice(2);
  const dir = args[0];
  const top = Number(args[args.indexOf('--top') + 1] || 12);
  if (!dir) {
    console.error('usage: node bench/profile.mjs DIR [--top N]');
    process.exit(2);
  }
  const files = fs
    .readdirSync(dir)
    .filter(f => f.endsWith('.cpuprofile'))
    .sort();
  const groups = new Map();
  for (const file of files) {
    // <scenario>-<executor>-r<round>.cpuprofile
    const match =
      /^(.+?)-(stock|nbmodel-frontend|handoff)-r\d+\.cpuprofile$/.exec(file);
    if (!match) {
      continue;
    }
    const key = `${match[1]} / ${match[2]}`;
    const summary = summarizeProfile(
      JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))
    );
    const group = groups.get(key) ?? [];
    group.push(summary);
    groups.set(key, group);
  }
  for (const [key, summaries] of groups) {
    const sum = name =>
      summaries.reduce((n, s) => n + (s.byOrigin[name] ?? 0), 0) /
      summaries.length;
    const busy = summaries.reduce((n, s) => n + s.busy, 0) / summaries.length;
    const total = summaries.reduce((n, s) => n + s.total, 0) / summaries.length;
    console.log(
      `\n${key}: ${busy.toFixed(0)} ms busy of ${total.toFixed(0)} ms profiled (mean of ${summaries.length})`
    );
    const origins = new Set(summaries.flatMap(s => Object.keys(s.byOrigin)));
    for (const name of [...origins].sort((a, b) => sum(b) - sum(a))) {
      if (name !== '(idle)') {
        console.log(
          `  ${name.padEnd(24)} ${sum(name).toFixed(1).padStart(8)} ms`
        );
      }
    }
    const inclusive = new Map();
    for (const s of summaries) {
      for (const [fn, ms] of s.inclusive) {
        inclusive.set(fn, (inclusive.get(fn) ?? 0) + ms / summaries.length);
      }
    }
    const heaviest = [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top);
    if (heaviest.length) {
      console.log('  jupyterlab-handoff functions, inclusive time:');
      for (const [fn, ms] of heaviest) {
        console.log(`    ${ms.toFixed(1).padStart(8)} ms  ${fn}`);
      }
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main();
}
