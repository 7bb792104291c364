import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.{ts,tsx}'],
    globalSetup: ['tests/globalSetup.ts'],
    // Tests never reach past loopback: no instance-metadata look-ups by the AWS credential chain.
    env: { AWS_EC2_METADATA_DISABLED: 'true' },
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Redis and child-process suites share one machine with 2 cores: keep parallelism modest.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    pool: 'forks',
  },
  esbuild: { jsx: 'automatic' },
});
