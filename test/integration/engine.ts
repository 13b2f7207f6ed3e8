/**
 * Shared guard for integration suites that need a real Docker engine. Without one, a local run skips them
 * loudly; under CI=true it is a failure, never a silent skip.
 */
import { connectEngine, pingEngine } from '../../src/cluster/docker/engine.ts';

let cached: Promise<boolean> | undefined;

/** True when an engine answers. Use as `describe.skipIf(!(await requireDocker()))`. */
export function requireDocker(): Promise<boolean> {
  cached ??= (async () => {
    const engine = connectEngine();
    try {
      await pingEngine(engine, 5000);
      return true;
    } catch (err) {
      const why = (err as Error).message;
      if (process.env.CI === 'true') {
        throw new Error(`CI=true but no Docker engine: ${why}`);
      }
      const bar = '!'.repeat(78);
      process.stderr.write(
        [
          bar,
          '!! SKIPPING Docker integration tests: no Docker engine is reachable.',
          `!! ${why}`,
          '!! These tests did NOT run. Start an engine (`dockerd &`, or source .ci/docker.sh',
          '!! and call start_docker) and run them again. Under CI=true this is a failure.',
          bar,
          '',
        ].join('\n'),
      );
      return false;
    }
  })();
  return cached;
}
