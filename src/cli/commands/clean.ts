/** `faultline clean [--run-id ID] [--images]`: removes leftovers of crashed runs (or one run), found by label. */
import { cleanByLabel, removeImages } from '../../cluster/docker/clean.ts';
import { connectEngine, pingEngine } from '../../cluster/docker/engine.ts';
import { checkRunId } from '../../cluster/docker/labels.ts';
import { EXIT } from '../../core/errors.ts';

export interface CleanFlags {
  runId?: string;
  /** Also remove the cached node images. */
  images?: boolean;
}

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
  const r = await cleanByLabel(engine.docker, flags.runId);
  const what = flags.runId ? `run ${flags.runId}` : 'all faultline runs';
  process.stdout.write(
    `removed ${r.containers.length} containers and ${r.networks.length} networks of ${what}\n`,
  );
  const problems = [...r.problems];
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
