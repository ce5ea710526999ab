// Print one closing line over the jest and Galata reports:
// "total: N passed, N failed".
import { readFileSync } from 'node:fs';

const [jestFile, galataFile] = process.argv.slice(2);
const jest = JSON.parse(readFileSync(jestFile, 'utf8'));
const galata = JSON.parse(readFileSync(galataFile, 'utf8'));

const passed = jest.numPassedTests + (galata.stats.expected ?? 0);
const failed =
  jest.numFailedTests +
  (galata.stats.unexpected ?? 0) +
  (galata.stats.flaky ?? 0);
console.log(
  `jest: ${jest.numPassedTests} passed, ${jest.numFailedTests} failed`
);
console.log(
  `galata: ${galata.stats.expected ?? 0} passed, ${galata.stats.unexpected ?? 0} failed`
);
console.log(`total: ${passed} passed, ${failed} failed`);
