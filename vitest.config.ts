import { defineConfig } from 'vitest/config';

// Two projects: `unit` is fast and needs nothing; `integration` talks to a real Docker engine
// (and other real services) and is skipped loudly when none is reachable, except under CI=true.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
