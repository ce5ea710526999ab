// Print one closing line over the jest, Galata and benchmark smoke reports:
// "total: N passed, N failed".
import { existsSync, readFileSync } from 'node:fs';

const [jestFile, galataFile, benchFile] = process.argv.slice(2);
const jest = JSON.parse(readFileSync(jestFile, 'utf8'));
const galata = JSON.parse(readFileSync(galataFile, 'utf8'));
// bench/smoke.mjs's report; a missing one counts as a failure.
const bench = !benchFile
  ? { passed: 0, failed: 0 }
  : existsSync(benchFile)
    ? JSON.parse(readFileSync(benchFile, 'utf8'))
    : { passed: 0, failed: 1 };

const passed =
  jest.numPassedTests + (galata.stats.expected ?? 0) + bench.passed;
const failed =
  jest.numFailedTests +
  (galata.stats.unexpected ?? 0) +
  (galata.stats.flaky ?? 0) +
  bench.failed;
console.log(
  `jest: ${jest.numPassedTests} passed, ${jest.numFailedTests} failed`
);
console.log(
  `galata: ${galata.stats.expected ?? 0} passed, ${galata.stats.unexpected ?? 0} failed`
);
if (benchFile) {
  console.log(`bench smoke: ${bench.passed} passed, ${bench.failed} failed`);
}
console.log(`total: ${passed} passed, ${failed} failed`);
