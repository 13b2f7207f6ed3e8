/** faultline's version, from package.json (one source of truth; src/util/package-version.ts finds it). */
export { FAULTLINE_VERSION as VERSION } from './util/package-version.ts';
