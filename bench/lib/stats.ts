/** Order statistics for the benches' repeated measurements. Pure. */

/** The values sorted ascending (a copy). */
export const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
/** The smallest value. */
export const minOf = (xs: readonly number[]): number => sorted(xs)[0]!;
/** The median (the upper one of an even count). */
export const medianOf = (xs: readonly number[]): number => sorted(xs)[Math.floor(xs.length / 2)]!;

/**
 * 90 % bootstrap interval of the median of `xs` (2000 resamples, a fixed-seed xorshift PRNG, so the
 * same figures give the same interval): how far the machine's noise leaves the median uncertain.
 */
export function medianInterval(xs: readonly number[]): [number, number] {
  const rand = xorshift();
  const medians = Array.from({ length: 2000 }, () => medianOf(resample(xs, rand))).sort((a, b) => a - b);
  return [medians[100]!, medians[1899]!];
}

/**
 * The difference of medians median(xs) − median(ys) and its 90 % bootstrap interval (each sample
 * resampled on its own, 2000 times, fixed seed).
 */
export function medianDifference(xs: readonly number[], ys: readonly number[]): [number, number, number] {
  const rand = xorshift();
  const diffs = Array.from(
    { length: 2000 },
    () => medianOf(resample(xs, rand)) - medianOf(resample(ys, rand)),
  ).sort((a, b) => a - b);
  return [medianOf(xs) - medianOf(ys), diffs[100]!, diffs[1899]!];
}

/** A fixed-seed xorshift PRNG in [0, 1): the same figures give the same intervals. */
function xorshift(): () => number {
  let seed = 0x9e3779b9;
  return () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
}

const resample = (xs: readonly number[], rand: () => number) =>
  xs.map(() => xs[Math.floor(rand() * xs.length)]!);
