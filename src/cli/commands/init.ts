/** `faultline init [dir]`: writes a starter test project (src/init/starter.ts) and says what to do next. */
import { existsSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { faultlineDependency, writeStarter } from '../../init/starter.ts';
import { PACKAGE_DIR } from '../../version.ts';

/** Exit 0 when the project was written; a non-empty folder is a UserError (one line, exit 254). */
export async function initCommand(dir = '.'): Promise<number> {
  const files = writeStarter(dir);
  const shown = normalize(dir).replace(/[/\\]$/, '') || '.';
  const lines = [`wrote ${files.sort().join(', ')} in ${shown}/`];
  const spec = faultlineDependency(dir);
  lines.push(`  faultline dependency: ${spec}`);
  // A checkout linked by file: runs from source (bin/faultline.js), but its types are in dist/.
  if (
    spec.startsWith('file:') &&
    !existsSync(join(PACKAGE_DIR, 'dist', 'src', 'index.js')) &&
    existsSync(join(PACKAGE_DIR, 'src'))
  ) {
    lines.push(
      `  (a checkout: its types, for the project's typecheck, need \`npm run build\` in ${PACKAGE_DIR})`,
    );
  }
  lines.push(
    'next:',
    `  npx faultline run ${join(shown, 'test.ts')}     # needs Docker; gives a verdict and a report`,
    `  ${shown === '.' ? '' : `cd ${shown} && `}npm install && npm run typecheck   # the project's own faultline and TypeScript`,
    `  then edit ${join(shown, 'test.ts')} and ${join(shown, 'server.mjs')} (${join(shown, 'README.md')} says how)`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
