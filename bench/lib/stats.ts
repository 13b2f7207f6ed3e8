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
  let seed = 0x9e3779b9;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const medians = Array.from({ length: 2000 }, () =>
    medianOf(xs.map(() => xs[Math.floor(rand() * xs.length)]!)),
  ).sort((a, b) => a - b);
  return [medians[100]!, medians[1899]!];
}
