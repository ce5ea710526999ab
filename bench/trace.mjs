#!/usr/bin/env node
/**
 * Sum the timeline traces written by `bench.mjs --trace DIR`: per scenario
 * and executor, the page's main-thread time in style, layout, paint and
 * script, and the longest of each (means over the rounds).
 *
 *   node bench/trace.mjs DIR
 */
import fs from 'node:fs';
import path from 'node:path';

const KINDS = {
  UpdateLayoutTree: 'style',
  Layout: 'layout',
  PrePaint: 'paint',
  Paint: 'paint',
  Layerize: 'paint',
  Commit: 'paint',
  FunctionCall: 'script',
  EvaluateScript: 'script',
  TimerFire: 'script',
  EventDispatch: 'script',
  FireAnimationFrame: 'script',
  RunMicrotasks: 'script',
  MajorGC: 'gc',
  MinorGC: 'gc',
  'V8.GC_SCAVENGER': 'gc',
  'V8.GC_MARK_COMPACTOR': 'gc'
};

function mainThread(events) {
  const names = events.filter(
    e =>
      e.ph === 'M' &&
      e.name === 'thread_name' &&
      e.args?.name === 'CrRendererMain'
  );
  // The page's renderer: the main thread with the most tasks.
  const counts = new Map();
  for (const e of events) {
    if (
      e.name === 'RunTask' &&
      names.some(n => n.pid === e.pid && n.tid === e.tid)
    ) {
      const key = `${e.pid}:${e.tid}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const [best] = [...counts].sort((a, b) => b[1] - a[1]);
  return best?.[0];
}

/** Self time per kind (ms), nesting resolved by the events' intervals. */
function summarize(file) {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  const events = Array.isArray(raw) ? raw : raw.traceEvents;
  const thread = mainThread(events);
  const mine = events
    .filter(e => `${e.pid}:${e.tid}` === thread && e.ph === 'X' && e.dur)
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const self = {};
  const longest = {};
  let tasks = 0;
  let longestTask = 0;
  const stack = [];
  const close = end => {
    while (stack.length && stack[stack.length - 1].end <= end) {
      stack.pop();
    }
  };
  for (const e of mine) {
    close(e.ts);
    const kind = e.name === 'RunTask' ? 'task' : (KINDS[e.name] ?? null);
    const frame = { end: e.ts + e.dur, kind, child: 0 };
    if (e.name === 'RunTask' && stack.length === 0) {
      tasks += e.dur;
      longestTask = Math.max(longestTask, e.dur);
    }
    if (kind && kind !== 'task') {
      // Charge this event's time to its kind, taking it from the nearest
      // enclosing event of a kind.
      const parent = [...stack]
        .reverse()
        .find(f => f.kind && f.kind !== 'task');
      self[kind] = (self[kind] ?? 0) + e.dur;
      if (parent) {
        self[parent.kind] -= e.dur;
      }
      longest[kind] = Math.max(longest[kind] ?? 0, e.dur);
    }
    stack.push(frame);
  }
  const ms = v => v / 1000;
  const out = { tasks: ms(tasks), longestTask: ms(longestTask) };
  for (const kind of Object.keys(self)) {
    out[kind] = ms(self[kind]);
    out[`${kind} longest`] = ms(longest[kind]);
  }
  return out;
}

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node bench/trace.mjs DIR');
  process.exit(2);
}
const groups = new Map();
for (const name of fs.readdirSync(dir).filter(f => f.endsWith('.trace.json'))) {
  const [, scenario, executor] =
    name.match(/^([a-z-]+?)-(stock|nbmodel-frontend|handoff)-r\d+/) ?? [];
  if (!scenario) {
    continue;
  }
  const key = `${scenario} / ${executor}`;
  const list = groups.get(key) ?? [];
  list.push(summarize(path.join(dir, name)));
  groups.set(key, list);
}
for (const [key, list] of [...groups].sort()) {
  const fields = [...new Set(list.flatMap(Object.keys))].sort();
  const mean = f => list.reduce((sum, s) => sum + (s[f] ?? 0), 0) / list.length;
  console.log(`${key} (mean of ${list.length}, ms)`);
  for (const f of fields) {
    console.log(`  ${f.padEnd(22)} ${mean(f).toFixed(1).padStart(8)}`);
  }
}
