import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.{ts,tsx}'],
    globalSetup: ['tests/globalSetup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Redis and child-process suites share one machine with 2 cores: keep parallelism modest.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    pool: 'forks',
  },
  esbuild: { jsx: 'automatic' },
});
