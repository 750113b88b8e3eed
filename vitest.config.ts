import { defineConfig } from 'vitest/config';

// TEST_DATABASE_URL (+ TEST_DATABASE_OWNER_URL) switch every database test from embedded PGlite
// to a real PostgreSQL server; CI runs the suite both ways. TEST_REPORT_FILE adds a JSON report.
const reportFile = process.env.TEST_REPORT_FILE;

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: reportFile === undefined ? ['default'] : ['default', ['json', { outputFile: reportFile }]],
  },
});
