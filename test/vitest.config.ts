import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    // CLI and keytool tests are process-heavy; the Kafka suites pick free ports themselves.
    pool: 'forks',
    maxWorkers: 2,
    // The JSON report lets .ci/run print the plain 'N passed, N failed' line.
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
  },
});
