/**
 * Time units. History times and generator times are nanoseconds (numbers: 2^53 ns is 104 days, enough
 * for any run); test options are seconds, as Jepsen's; budgets are milliseconds. Every time value names
 * its unit (…Ns, …Ms, …S); these convert between them.
 */

/** Nanoseconds in one millisecond. */
export const NS_PER_MS = 1e6;
/** Nanoseconds in one second. */
export const NS_PER_S = 1e9;
/** Milliseconds in one second. */
export const MS_PER_S = 1e3;

/** Seconds → nanoseconds. */
export const sToNs = (s: number): number => s * NS_PER_S;
/** Milliseconds → nanoseconds. */
export const msToNs = (ms: number): number => ms * NS_PER_MS;
/** Nanoseconds → milliseconds (fractional). */
export const nsToMs = (ns: number): number => ns / NS_PER_MS;
/** Nanoseconds → seconds (fractional). */
export const nsToS = (ns: number): number => ns / NS_PER_S;
