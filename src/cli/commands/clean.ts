/**
 * `faultline clean [--run-id ID] [--force] [--images]`: removes the containers and networks of runs whose
 * owning process is gone (found by label; the owner is recorded at provisioning). A run in progress, a
 * run owned from another host and a run with no recorded owner are left, each named with the command
 * that removes it; `--force` removes them too. `--run-id` removes that run only, and refuses a live one
 * without `--force` (exit 254). A run kept on purpose (LABEL_KEEP: the SSH test hosts of
 * scripts/ssh-test-hosts.ts) is never removed, not even with `--force`; it is named with its own command.
 */
import { cleanByLabel, removeImages } from '../../cluster/docker/clean.ts';
import { connectEngine, pingEngine } from '../../cluster/docker/engine.ts';
import { checkRunId } from '../../cluster/docker/labels.ts';
import { cleanDecision, listRuns } from '../../cluster/docker/leftovers.ts';
import { EXIT } from '../../core/errors.ts';

export interface CleanFlags {
  runId?: string;
  /** Also remove runs whose owner is alive, on another host, or unknown. */
  force?: boolean;
  /** Also remove the cached node images. */
  images?: boolean;
}

const oneLine = (err: unknown) => ((err as Error)?.message ?? String(err)).replace(/\s+/g, ' ').trim();

export async function cleanCommand(flags: CleanFlags = {}): Promise<number> {
  try {
    if (flags.runId !== undefined) checkRunId(flags.runId);
  } catch (err) {
    process.stderr.write(`faultline: ${(err as Error).message}\n`);
    return EXIT.badInput;
  }
  const engine = connectEngine();
  try {
    await pingEngine(engine);
  } catch (err) {
    process.stderr.write(`faultline: ${(err as Error).message}\n`);
    return EXIT.crashed;
  }
  let runs: Awaited<ReturnType<typeof listRuns>>;
  try {
    runs = await listRuns(engine.docker, flags.runId);
  } catch (err) {
    process.stderr.write(`faultline: cannot list faultline runs: ${oneLine(err)}\n`);
    return EXIT.crashed;
  }
  const problems: string[] = [];
  if (flags.runId !== undefined) {
    const run = runs[0];
    if (!run) {
      process.stdout.write(
        `no containers or networks of run ${flags.runId}: nothing to remove (faultline doctor lists the runs left behind)\n`,
      );
      return EXIT.valid;
    }
    const d = cleanDecision(run, { force: flags.force === true, named: true });
    if (!d.remove) {
      process.stderr.write(`faultline: run ${flags.runId} left in place: ${d.why}\n`);
      return EXIT.badInput;
    }
    const r = await cleanByLabel(engine.docker, flags.runId);
    process.stdout.write(
      `removed ${r.containers.length} containers and ${r.networks.length} networks of run ${flags.runId}\n`,
    );
    problems.push(...r.problems);
  } else {
    let containers = 0;
    let networks = 0;
    let removed = 0;
    for (const run of runs) {
      const d = cleanDecision(run, { force: flags.force === true });
      if (!d.remove) {
        process.stdout.write(`kept run ${run.runId}: ${d.why}\n`);
        continue;
      }
      const r = await cleanByLabel(engine.docker, run.runId);
      containers += r.containers.length;
      networks += r.networks.length;
      removed++;
      problems.push(...r.problems);
    }
    if (flags.force) {
      // Anything labelled faultline=1 but with no run label (none is made so; older versions' leftovers).
      const r = await cleanByLabel(engine.docker);
      containers += r.containers.length;
      networks += r.networks.length;
      problems.push(...r.problems);
    }
    const kept = runs.length - removed;
    process.stdout.write(
      `removed ${containers} containers and ${networks} networks of ${removed} run${removed === 1 ? '' : 's'}` +
        `${flags.force ? ' (--force: every faultline run)' : ' whose owner is gone'}` +
        `${kept ? `; kept ${kept} (see above)` : ''}\n`,
    );
  }
  if (flags.images) {
    const i = await removeImages(engine.docker).catch((err: Error) => ({
      removed: [],
      problems: [err.message],
    }));
    process.stdout.write(`removed ${i.removed.length} images\n`);
    problems.push(...i.problems);
  }
  for (const p of problems) process.stderr.write(`faultline: ${p}\n`);
  return problems.length === 0 ? EXIT.valid : EXIT.crashed;
}
