// Text the way bbscan's Rust code writes it, so that a TypeScript policy's messages and errors
// read exactly like the Rust SDK's: strings quoted as Rust's `{:?}` quotes them, lists cut short
// as `few` cuts them, lengths and orders in UTF-8 bytes.

/**
 * A string quoted as Rust's `format!("{:?}", s)` writes it: `"a\"b"`, control characters as
 * `\n`, `\t`, `\r`, `\0` or `\u{1b}`, and characters that do not print (format, separator,
 * private-use, unassigned, combining) as `\u{…}`.
 */
export function quote(s: string): string {
  let out = '"';
  for (const c of s) {
    switch (c) {
      case '"':
        out += '\\"';
        break;
      case "\\":
        out += "\\\\";
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      case "\0":
        out += "\\0";
        break;
      default:
        out += printed(c.codePointAt(0)!) ? c : `\\u{${c.codePointAt(0)!.toString(16)}}`;
    }
  }
  return out + '"';
}

// Rust's `char::escape_debug` (as `str`'s Debug uses it) escapes grapheme extenders and what its
// printable table excludes (categories Cc, Cf, Cs, Co, Cn, Zl, Zp, and Zs other than the space).
// The component's JavaScript engine has no Unicode property escapes, so these are ranges: exact
// for ASCII and Latin-1, and for the format, space, separator, private-use and common combining
// characters beyond; unassigned code points print as they are.
const NOT_PRINTED: ReadonlyArray<readonly [number, number]> = [
  [0x00, 0x1f], [0x7f, 0x9f], [0xad, 0xad], [0xa0, 0xa0],
  [0x300, 0x36f], [0x483, 0x489], [0x591, 0x5bd], [0x600, 0x605], [0x610, 0x61a], [0x61c, 0x61c],
  [0x64b, 0x65f], [0x6dd, 0x6dd], [0x70f, 0x70f], [0x1680, 0x1680], [0x180e, 0x180e],
  [0x1ab0, 0x1aff], [0x1dc0, 0x1dff], [0x2000, 0x200f], [0x2028, 0x202f], [0x205f, 0x2064],
  [0x2066, 0x206f], [0x20d0, 0x20ff], [0x3000, 0x3000], [0xd800, 0xf8ff], [0xfe00, 0xfe0f],
  [0xfe20, 0xfe2f], [0xfeff, 0xfeff], [0xfff9, 0xfffb], [0x110bd, 0x110bd], [0x1d173, 0x1d17a],
  [0xe0001, 0xe0001], [0xe0020, 0xe007f], [0xe0100, 0xe01ef], [0xf0000, 0x10ffff],
];

function printed(cp: number): boolean {
  return !NOT_PRINTED.some(([lo, hi]) => cp >= lo && cp <= hi);
}

/**
 * `items` for a message, at most `shown` of them: "a, b, c and 97 more". Account-wide findings
 * name a few examples, not every resource.
 */
export function few(items: readonly string[], shown: number): string {
  const n = Math.max(1, shown);
  const listed = items.slice(0, n).join(", ");
  const more = items.length - n;
  return more > 0 ? `${listed} and ${more} more` : listed;
}

/** ASCII text, tested by the engine's regular expressions rather than a loop of interpreted code. */
const ASCII = /^[\x00-\x7f]*$/;

/**
 * The length of `s` in UTF-8 bytes (what the host counts). Inside a component the policy's
 * JavaScript is interpreted, so this walks UTF-16 units by index (no string iterator) and only
 * when the text is not ASCII; a lone surrogate counts 3, as the host's replacement character.
 */
export function utf8Length(s: string): number {
  if (ASCII.test(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    if (u < 0x80) n += 1;
    else if (u < 0x800) n += 2;
    else if (u >= 0xd800 && u <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n += 4;
        i += 1;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** `s` cut to at most `max` UTF-8 bytes, at a character boundary. */
export function utf8Prefix(s: string, max: number): string {
  let n = 0;
  let end = 0;
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    const len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (n + len > max) break;
    n += len;
    end += c.length;
  }
  return s.slice(0, end);
}

/** Order strings as Rust orders them (by UTF-8 bytes, i.e. by code points). */
export function compareText(a: string, b: string): number {
  const x = a[Symbol.iterator]();
  const y = b[Symbol.iterator]();
  for (;;) {
    const p = x.next();
    const q = y.next();
    if (p.done || q.done) return p.done && q.done ? 0 : p.done ? -1 : 1;
    const d = p.value.codePointAt(0)! - q.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}
