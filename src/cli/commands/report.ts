/** `faultline report <run-dir>`: rebuilds report.html, junit.xml and summary.md from a run folder's stored files. */
import { existsSync, statSync } from 'node:fs';
import { UserError } from '../../core/errors.ts';
import { displayPath, writeReports } from '../../report/index.ts';
import { FILES, isRunDir } from '../../store/run-dir.ts';

/** Exit 0 when the reports were written, whatever the run's verdict (that is `analyze`'s job). */
export async function reportCommand(runDir: string): Promise<number> {
  if (!existsSync(runDir)) throw new UserError(`${runDir} not found: give a run folder, e.g. results/latest`);
  if (!statSync(runDir).isDirectory()) {
    throw new UserError(
      `${runDir} is not a folder: give a run folder (the one holding ${FILES.history}), e.g. results/latest`,
    );
  }
  if (!isRunDir(runDir)) {
    throw new UserError(
      `${runDir} holds neither ${FILES.test} nor ${FILES.history}: is it a faultline run folder?`,
    );
  }
  const out = await writeReports(runDir);
  for (const w of out.warnings) process.stderr.write(`warning: ${w}\n`);
  const show = displayPath;
  process.stdout.write(
    `report:  ${show(out.html)}\njunit:   ${show(out.junit)}\nsummary: ${show(out.markdown)}\n`,
  );
  return 0;
}
