import { defineConfig } from 'vitest/config';

// Two projects: `unit` is fast and needs nothing; `integration` talks to a real Docker engine
// (and other real services) and is skipped loudly when none is reachable, except under CI=true.
// Scheduling is chosen for a 2-core machine: the projects run one after the other (groupOrder), never
// at once — CPU-heavy unit properties beside running clusters starve the nodes. Unit files use one
// worker. Integration files run two at a time (maxWorkers 2): they spend most of their time waiting on
// clusters, and one at a time the suite took 45+ minutes on a loaded machine once the Debian-package
// systems (ZooKeeper, RabbitMQ, NATS, PostgreSQL, MariaDB) came in. Their tests are load-tolerant (op
// timeouts scale with the load average, anomaly scenarios need 2 of 3 tries, leftovers checks are
// scoped to each file's own runs). (groupOrder 0 with one worker would put a project in vitest's
// trailing "sequential" group: unit would then run last.)
export default defineConfig({
  test: {
    // A temporary root for the whole run, removed at its end (test/temp-root.ts).
    globalSetup: ['test/temp-root.ts'],
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 60_000,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
