/** `faultline doctor`: one line per check; exit 0 when nothing failed (warnings allowed), 1 otherwise. */
import { formatChecks, runDoctor } from '../../cluster/docker/doctor.ts';
import { FLAVOURS, type Flavour } from '../../cluster/docker/image.ts';
import { EXIT } from '../../core/errors.ts';
import { parsePackages } from './image.ts';

export interface DoctorFlags {
  flavour?: string;
  packages?: string | string[];
  json?: boolean;
}

export async function doctorCommand(flags: DoctorFlags = {}): Promise<number> {
  const flavour = (flags.flavour ?? 'debian') as Flavour;
  if (!FLAVOURS.includes(flavour)) {
    process.stderr.write(`faultline: unknown flavour ${flags.flavour}: use one of ${FLAVOURS.join(', ')}\n`);
    return EXIT.badInput;
  }
  try {
    const checks = await runDoctor({ flavour, packages: parsePackages(flags.packages) });
    process.stdout.write(`${flags.json ? JSON.stringify(checks, null, 2) : formatChecks(checks)}\n`);
    return checks.some((c) => c.ok === false) ? 1 : EXIT.valid;
  } catch (err) {
    process.stderr.write(`faultline: doctor failed: ${(err as Error).message.replace(/\s+/g, ' ').trim()}\n`);
    return EXIT.crashed;
  }
}
