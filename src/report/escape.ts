import { stringifyExact } from '../history/values.ts';

/** Escaping for every output format. Each function is total: any string in, safe text out. */

/** Everything outside XML 1.0's Char production (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/F). */
const XML_INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text or attribute content for XML/HTML: forbidden characters become U+FFFD, markup is escaped. */
export function xmlEscape(s: string): string {
  return s
    .replace(XML_INVALID, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export const htmlEscape = (s: string): string => xmlEscape(s).replace(/&apos;/g, '&#39;');

/**
 * JSON for a `<script type="application/json">` block: `<` is escaped so no value can close the
 * script element or open a comment; U+2028/9 are escaped for old parsers. JSON.parse restores them.
 */
export function scriptJson(value: unknown): string {
  return stringifyExact(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Inline JS source in a <script> element: the only sequence that can end it early is `</script`. */
export const scriptSource = (js: string): string => js.replace(/<\/(script)/gi, '<\\/$1');
export const styleSource = (css: string): string => css.replace(/<\/(style)/gi, '<\\/$1');

/**
 * Control characters and the Unicode line/paragraph separators (which some renderers and editors treat
 * as line ends) become spaces, so one Markdown line stays one line.
 */
const MD_BREAKS = /[\p{Cc}\u2028\u2029]/gu;

/** Inline Markdown text (never at a line start): neutralises table pipes, HTML, emphasis and links. */
export function mdEscape(s: string): string {
  return s
    .replace(MD_BREAKS, ' ')
    .replace(/([\\`*_[\]|~>])/g, '\\$1')
    .replace(/</g, '&lt;')
    .replace(/&(?!lt;)/g, '&amp;');
}

/** Markdown inline code: a fence longer than any backtick run inside. */
export function mdCode(s: string): string {
  const one = s.replace(MD_BREAKS, ' ');
  const longest = Math.max(0, ...(one.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const pad = one.startsWith('`') || one.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${one}${pad}${fence}`;
}

/** POSIX shell quoting for the re-run command (the one copy lives in src/util/shell.ts). */
export { shellQuote } from '../util/shell.ts';
