/**
 * `faultline image build [--flavour hostroot|debian] [--packages a,b] [--system name[:mode],…] [--force]`: builds
 * the node image (with a system's packages: the image its runs use, built ahead of time).
 */
import { connectEngine, pingEngine } from '../../cluster/docker/engine.ts';
import { ensureImage, FLAVOURS, type Flavour } from '../../cluster/docker/image.ts';
import { EXIT, errorText } from '../../core/errors.ts';
import { systemPackages } from '../../registry.ts';

export interface ImageBuildFlags {
  flavour?: string;
  /** Comma-separated, or already split by the parser. */
  packages?: string | string[];
  force?: boolean;
  /** Systems whose packages the image gets (`name` or `name:mode`), comma-separated or split. */
  system?: string | string[];
  /** Print every build line (debootstrap, apt-get) to stderr. */
  verbose?: boolean;
}

export function parsePackages(p: string | string[] | undefined): string[] {
  const list = Array.isArray(p) ? p : (p ?? '').split(',');
  return list
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean);
}

export async function imageBuildCommand(flags: ImageBuildFlags = {}): Promise<number> {
  const flavour = (flags.flavour ?? 'debian') as Flavour;
  if (!FLAVOURS.includes(flavour)) {
    process.stderr.write(`faultline: unknown flavour ${flags.flavour}: use one of ${FLAVOURS.join(', ')}\n`);
    return EXIT.badInput;
  }
  let packages = parsePackages(flags.packages);
  try {
    for (const s of parsePackages(flags.system)) {
      const [name, mode] = s.split(':');
      packages = [...packages, ...systemPackages(name!, mode)];
    }
  } catch (err) {
    process.stderr.write(`faultline: ${errorText(err)}\n`);
    return EXIT.badInput;
  }
  const engine = connectEngine();
  try {
    await pingEngine(engine);
  } catch (err) {
    process.stderr.write(`faultline: ${(err as Error).message}\n`);
    return EXIT.crashed;
  }
  const ac = new AbortController();
  const onInt = () => ac.abort();
  process.once('SIGINT', onInt);
  try {
    if (flavour === 'debian')
      process.stderr.write('building the debian node image (the first build runs debootstrap, ~40 s)…\n');
    const r = await ensureImage(engine, {
      flavour,
      packages,
      force: flags.force ?? false,
      signal: ac.signal,
      onLine: (l) => {
        if (flags.verbose || /^Step \d+\/\d+/.test(l)) process.stderr.write(`  ${l}\n`);
      },
    });
    process.stdout.write(
      `${r.image}  ${r.built ? `built in ${(r.ms / 1000).toFixed(1)} s` : 'up to date (cached)'}\n`,
    );
    return EXIT.valid;
  } catch (err) {
    const msg = ac.signal.aborted ? 'image build interrupted' : (err as Error).message;
    const bad = /invalid Debian package|not installed on the host/.test(msg);
    process.stderr.write(`faultline: ${msg.replace(/\s+/g, ' ').trim()}\n`);
    return bad ? EXIT.badInput : EXIT.crashed;
  } finally {
    process.off('SIGINT', onInt);
  }
}
