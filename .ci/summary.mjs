// Reads vitest JSON reports and prints one line per run, then the closing total line.
import { readFileSync } from 'node:fs';
import path from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const run = path.basename(file, '.json').replace(/^results-/, '');
  const p = report.numPassedTests;
  const f = report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0);
  const s = report.numPendingTests + report.numTodoTests;
  console.log(`${run}: ${p} passed, ${f} failed, ${s} skipped (${report.testResults.length} files)`);
  passed += p;
  failed += f;
  skipped += s;
}
console.log(`total: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed === 0 ? 0 : 1;
