import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';

/**
 * Writes jest's aggregated result (the same numbers as `--json`) to test-results/jest.json without
 * printing anything, so `npm test` still ends with jest's own summary and CI can read the counts.
 * It adds, per failing test or suite, its file, name and the first lines of its message, and the
 * slowest tests, so the last lines CI prints can name what failed.
 */
export default class JsonResultReporter {
  constructor(_globalConfig, options = {}) {
    this.file = options.outputFile ?? 'test-results/jest.json';
  }

  onRunComplete(_contexts, results) {
    mkdirSync(dirname(this.file), { recursive: true });
    const { testResults = [], ...summary } = results;
    const failures = [];
    const timings = [];
    for (const suite of testResults) {
      const file = relative(process.cwd(), suite.testFilePath);
      if (suite.testExecError)
        failures.push({ file, name: '(suite)', message: firstLines(suite.testExecError.message) });
      for (const test of suite.testResults ?? []) {
        timings.push({ file, name: test.fullName, ms: test.duration ?? 0 });
        if (test.status === 'failed')
          failures.push({ file, name: test.fullName, message: firstLines(test.failureMessages.join('\n')) });
      }
    }
    const slowest = timings.sort((a, b) => b.ms - a.ms).slice(0, 15);
    writeFileSync(this.file, `${JSON.stringify({ ...summary, failures, slowest }, null, 2)}\n`);
  }
}

/** A failure's message without its stack, short enough for a CI summary. */
function firstLines(message = '') {
  return message
    .split('\n')
    .filter((line) => !/^\s+at /.test(line))
    .slice(0, 12)
    .join('\n')
    .slice(0, 1500);
}
