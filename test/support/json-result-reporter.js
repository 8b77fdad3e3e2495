import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes jest's aggregated result (the same numbers as `--json`) to test-results/jest.json without
 * printing anything, so `npm test` still ends with jest's own summary and CI can read the counts.
 */
export default class JsonResultReporter {
  constructor(_globalConfig, options = {}) {
    this.file = options.outputFile ?? 'test-results/jest.json';
  }

  onRunComplete(_contexts, results) {
    mkdirSync(dirname(this.file), { recursive: true });
    const { testResults: _omit, ...summary } = results;
    writeFileSync(this.file, `${JSON.stringify(summary, null, 2)}\n`);
  }
}
