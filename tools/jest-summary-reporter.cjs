// Writes each jest run's totals to .cache/test-results so `npm test` can print one closing line for all
// projects ("N passed, N failed") — nx runs many jest processes and no single one sees everything.
const { mkdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(_globalConfig, options) {
    this.name = options.name;
  }

  onRunComplete(_contexts, results) {
    const dir = path.join(__dirname, '..', '.cache', 'test-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, `${this.name}.json`),
      JSON.stringify({ passed: results.numPassedTests, failed: results.numFailedTests, skipped: results.numPendingTests + results.numTodoTests, suitesFailed: results.numFailedTestSuites + results.numRuntimeErrorTestSuites }),
    );
  }
}

module.exports = SummaryReporter;
