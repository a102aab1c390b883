import { defineConfig } from 'vitest/config';

// Integration tests start real processes (kamailio, coturn, postgres, chromium) on
// loopback; each test file picks its own free ports, so files may run in parallel,
// but the machine has two cores, so keep the pool small.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
