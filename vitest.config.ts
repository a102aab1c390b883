import { defineConfig } from 'vitest/config';

// The tests run on the runtime the product runs on (Node 24 LTS: node:sqlite, OpenSSL 3.5).
// `npm test` / `npm run test:only -- <files>` provide it (scripts/bootstrap.mjs); a bare
// `npx vitest` on an older Node would fail later and less clearly.
if (Number(process.versions.node.split('.')[0]) < 24) {
  throw new Error(
    `the tests need Node 24 LTS, this is Node ${process.versions.node}: run them with ` +
      '`npm run test:only -- <files>` (it installs and uses Node 24), or put the bin/ of its runtime cache first on PATH',
  );
}

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
