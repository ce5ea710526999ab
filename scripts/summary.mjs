// Print each suite's result and time, then one closing line over all of
// them: "total: N passed, N failed".
//
//   node scripts/summary.mjs jest=<jest.json> pytest=<junit.xml>
//                            galata:<name>=<report.json> ...
//                            bench=<bench-smoke.json>
//
// A report that is missing counts as one failure: the suite did not finish.
import { existsSync, readFileSync } from 'node:fs';

function read(file) {
  if (!existsSync(file)) {
    return null;
  }
  const text = readFileSync(file, 'utf8');
  return file.endsWith('.xml') ? text : JSON.parse(text);
}

function jestSuite(report) {
  const end = Math.max(
    report.startTime,
    ...report.testResults.map(r => r.endTime ?? report.startTime)
  );
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    seconds: (end - report.startTime) / 1000
  };
}

function playwrightSuite(report) {
  return {
    passed: report.stats.expected ?? 0,
    // A flaky test (passed on retry) is a failure here: a flake is a bug.
    failed: (report.stats.unexpected ?? 0) + (report.stats.flaky ?? 0),
    seconds: (report.stats.duration ?? 0) / 1000
  };
}

// pytest's JUnit XML: the counts are attributes of <testsuite>.
function pytestSuite(xml) {
  const attr = name =>
    Number(
      (xml.match(new RegExp(`<testsuite[^>]* ${name}="([\\d.]+)"`)) ?? [])[1] ??
        0
    );
  const bad = attr('failures') + attr('errors');
  return {
    passed: attr('tests') - bad - attr('skipped'),
    failed: bad,
    seconds: attr('time')
  };
}

function benchSuite(report) {
  return {
    passed: report.passed,
    failed: report.failed,
    seconds: report.seconds ?? null
  };
}

let passed = 0;
let failed = 0;
for (const arg of process.argv.slice(2)) {
  const eq = arg.indexOf('=');
  const [kind, name = kind] = arg.slice(0, eq).split(':');
  const report = read(arg.slice(eq + 1));
  let suite;
  if (!report) {
    suite = { passed: 0, failed: 1, seconds: null };
  } else if (kind === 'jest') {
    suite = jestSuite(report);
  } else if (kind === 'pytest') {
    suite = pytestSuite(report);
  } else if (kind === 'galata') {
    suite = playwrightSuite(report);
  } else {
    suite = benchSuite(report);
  }
  passed += suite.passed;
  failed += suite.failed;
  const time =
    suite.seconds === null ? 'no report' : `${suite.seconds.toFixed(0)} s`;
  console.log(
    `${name}: ${suite.passed} passed, ${suite.failed} failed (${time})`
  );
}
console.log(`total: ${passed} passed, ${failed} failed`);
