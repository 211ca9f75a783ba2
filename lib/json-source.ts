/**
 * Reads a configuration file's JSON with messages a person can act on: the line and column
 * of a syntax error, a byte order mark named as such, a key written twice (JSON.parse keeps
 * the last one silently), and a number too large to read kept as the text that was written.
 * The same on every Node.js version, unlike JSON.parse's messages.
 *
 * Text is text: a file that is not UTF-8 (a UTF-16 file, a Latin-1 byte) is refused with
 * where, instead of reaching the configuration as U+FFFD; so is a NUL character or a lone
 * surrogate, which JSON's `\u` escapes can write but no tool downstream carries. Positions
 * and lengths count characters as people do: code points, so an emoji is one.
 */
import { isUtf8 } from 'node:buffer';

/** A number literal JSON cannot hold (e.g. `1e400`): rules refuse it and show its text. */
export class UnreadableNumber {
  constructor(readonly source: string) {}
}

/**
 * The largest configuration file read. The largest configuration the rules accept is about
 * 100 KB (25 targets of long paths, 50 tags); a larger file is refused before it is parsed,
 * so a stray 10 MB value costs 1 MiB of memory, not hundreds.
 */
export const MAX_SOURCE_BYTES = 1024 * 1024;

/** Deeper nesting than any configuration needs; it stops a crafted file from exhausting the stack. */
const MAX_DEPTH = 64;

export type JsonResult = { readonly value: unknown } | { readonly error: string };

/** How many characters a person counts in a string: code points, not UTF-16 units. */
export function characters(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) {
    if (isHighSurrogate(s.charCodeAt(i)) && isLowSurrogate(s.charCodeAt(i + 1))) i++;
  }
  return n;
}

/** The first `n` characters (code points) of `s` from `start`, without reading the rest. */
export function firstCharacters(s: string, n: number, start = 0): string {
  let end = start;
  for (let k = 0; k < n && end < s.length; k++) {
    end += isHighSurrogate(s.charCodeAt(end)) && isLowSurrogate(s.charCodeAt(end + 1)) ? 2 : 1;
  }
  return s.slice(start, end);
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}
function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** `line L, column C` of a UTF-16 index, the column in characters. */
function position(s: string, index: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = s.indexOf('\n'); i !== -1 && i < index; i = s.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${characters(s.slice(lineStart, index)) + 1}`;
}

/**
 * A file's bytes as text, or why they are not: larger than MAX_SOURCE_BYTES, UTF-16, or
 * not valid UTF-8 (with the line and column of the first bad byte). Text already decoded
 * (tests, generated files) is only held to the size.
 */
export function decodeSource(source: string | Uint8Array): { text: string } | { error: string } {
  const bytes = typeof source === 'string' ? undefined : source;
  const size = bytes ? bytes.length : Buffer.byteLength(source as string);
  if (size > MAX_SOURCE_BYTES) {
    return {
      error: `is larger than ${MAX_SOURCE_BYTES / 1024 / 1024} MiB; a configuration file is a few kilobytes: check that this is the right file`,
    };
  }
  if (bytes === undefined) return { text: source as string };
  // A UTF-16 byte order mark, or JSON's first character with a zero byte beside it (RFC 4627).
  const utf16 =
    (bytes[0] === 0xff && bytes[1] === 0xfe) ||
    (bytes[0] === 0xfe && bytes[1] === 0xff) ||
    (bytes.length >= 2 && (bytes[0] === 0) !== (bytes[1] === 0));
  if (utf16) return { error: 'is UTF-16 text; save the file as UTF-8' };
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isUtf8(buffer)) {
    const bad = firstInvalidUtf8(bytes);
    const shown = Array.from(
      bytes.subarray(bad, bad + 4),
      (b) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`,
    ).join(' ');
    const before = buffer.toString('utf8', 0, bad);
    return {
      error: `is not valid UTF-8: the bytes ${shown} at ${position(before, before.length)} are no UTF-8 character (Latin-1 or Windows-1252 text?); save the file as UTF-8`,
    };
  }
  // Buffer keeps a byte order mark (TextDecoder would drop it), so it is named below.
  return { text: buffer.toString('utf8') };
}

/** Index of the first byte that does not begin a well-formed UTF-8 sequence (Unicode 15, table 3-7). */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    // The continuation bytes' range: the second byte's is narrower after E0, ED, F0 and F4
    // (no overlong forms, no surrogates, nothing beyond U+10FFFF).
    let more: number;
    let low = 0x80;
    let high = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) more = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      more = 2;
      if (c === 0xe0) low = 0xa0;
      if (c === 0xed) high = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      more = 3;
      if (c === 0xf0) low = 0x90;
      if (c === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k <= more; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? low : 0x80) || d > (k === 1 ? high : 0xbf)) return i;
    }
    i += more + 1;
  }
  return b.length;
}

export function parseJsonSource(source: string): JsonResult {
  if (source.startsWith('\uFEFF')) {
    return {
      error:
        'starts with a byte order mark (U+FEFF), which JSON does not allow; save the file as UTF-8 without BOM',
    };
  }
  const nul = source.indexOf('\u0000');
  if (nul !== -1) {
    return {
      error: `has a NUL character (U+0000) at ${position(source, nul)}, which no field accepts; remove it`,
    };
  }
  try {
    const reader = new Reader(source);
    const value = reader.value(0);
    reader.end();
    return { value };
  } catch (e) {
    if (e instanceof SourceProblem) return { error: e.message };
    throw e;
  }
}

/** What is wrong with the text, as the message says it. */
class SourceProblem extends Error {}

/** A JSON number, matched where the reader stands (sticky). */
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/uy;

class Reader {
  private i = 0;
  constructor(private readonly s: string) {}

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail(`nested more than ${MAX_DEPTH} levels deep`);
    this.space();
    const c = this.s[this.i];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return value;
      }
    }
    return this.fail('expected a value (an object, list, string, number, true, false or null)');
  }

  end(): void {
    this.space();
    if (this.i < this.s.length) this.fail('expected the end of the file after the value');
  }

  private object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const lines = new Map<string, number>();
    this.i++;
    this.space();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.space();
      if (this.s[this.i] !== '"') this.fail('expected a property name in double quotes');
      const at = this.i;
      const key = this.string();
      const first = lines.get(key);
      if (first !== undefined) {
        this.fail(
          `${JSON.stringify(key)} is written twice in this object (first at ${position(this.s, first)})`,
          position(this.s, at),
          false,
        );
      }
      lines.set(key, at);
      this.space();
      if (this.s[this.i] !== ':') this.fail('expected ":" after the property name');
      this.i++;
      // defineProperty: `__proto__` stays a key like any other.
      Object.defineProperty(out, key, {
        value: this.value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.space();
      if (this.s[this.i] === ',') {
        this.i++;
        this.space();
        if (this.s[this.i] === '}')
          this.fail('expected another property after "," (JSON has no trailing commas)');
        continue;
      }
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      this.fail('expected "," or "}"');
    }
  }

  private array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.i++;
    this.space();
    if (this.s[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.space();
      if (this.s[this.i] === ',') {
        this.i++;
        this.space();
        if (this.s[this.i] === ']')
          this.fail('expected another entry after "," (JSON has no trailing commas)');
        continue;
      }
      if (this.s[this.i] === ']') {
        this.i++;
        return out;
      }
      this.fail('expected "," or "]"');
    }
  }

  /** A string: runs of plain characters are copied whole, escapes one by one. */
  private string(): string {
    const start = this.i;
    this.i++;
    let out = '';
    let run = this.i;
    for (;;) {
      const unit = this.s.charCodeAt(this.i);
      if (Number.isNaN(unit)) this.fail('the string is not closed with "', position(this.s, start));
      if (unit === 0x22) {
        out += this.s.slice(run, this.i);
        this.i++;
        return out;
      }
      if (unit < 0x20)
        this.fail('a control character (such as a line break) inside a string must be escaped');
      if (isHighSurrogate(unit) && isLowSurrogate(this.s.charCodeAt(this.i + 1))) {
        this.i += 2;
        continue;
      }
      if (isHighSurrogate(unit) || isLowSurrogate(unit)) this.loneSurrogate(unit);
      if (unit !== 0x5c) {
        this.i++;
        continue;
      }
      out += this.s.slice(run, this.i);
      out += this.escape();
      run = this.i;
    }
  }

  /** One escape sequence at `this.i` (a backslash); a `\u` pair of surrogates is one character. */
  private escape(): string {
    const e = this.s[this.i + 1];
    const simple: Record<string, string> = {
      '"': '"',
      '\\': '\\',
      '/': '/',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
    };
    if (e !== undefined && e in simple) {
      this.i += 2;
      return simple[e];
    }
    const unit = this.unicodeEscape(this.i);
    if (unit === undefined) {
      return this.fail(
        'unknown escape in a string (use \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)',
      );
    }
    if (unit === 0) this.notText('a NUL character (\\u0000)', 'which no field accepts; remove it');
    if (isHighSurrogate(unit)) {
      const next = this.unicodeEscape(this.i + 6);
      if (next !== undefined && isLowSurrogate(next)) {
        this.i += 12;
        return String.fromCharCode(unit, next);
      }
    }
    if (isHighSurrogate(unit) || isLowSurrogate(unit)) this.loneSurrogate(unit);
    this.i += 6;
    return String.fromCharCode(unit);
  }

  /** The code unit of a `\uXXXX` escape at `at`, if there is one. */
  private unicodeEscape(at: number): number | undefined {
    if (this.s[at] !== '\\' || this.s[at + 1] !== 'u') return undefined;
    const hex = this.s.slice(at + 2, at + 6);
    return /^[0-9a-fA-F]{4}$/u.test(hex) ? parseInt(hex, 16) : undefined;
  }

  private loneSurrogate(unit: number): never {
    const code = unit.toString(16).toUpperCase();
    return this.notText(
      `a lone surrogate (\\u${code})`,
      'which is half of a character (one of a UTF-16 pair), not text; write the whole character',
    );
  }

  private number(): number | UnreadableNumber {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (!m) return this.fail('expected a number (JSON numbers have no leading zeros, "+" or ".5")');
    this.i += m[0].length;
    const n = Number(m[0]);
    return Number.isFinite(n) ? n : new UnreadableNumber(m[0]);
  }

  private space(): void {
    while (' \t\n\r'.includes(this.s[this.i] ?? 'x')) this.i++;
  }

  /** Text JSON allows but no field accepts: what, where, and what to do. */
  private notText(what: string, why: string): never {
    throw new SourceProblem(`has ${what} at ${position(this.s, this.i)}, ${why}`);
  }

  private fail(what: string, at = position(this.s, this.i), showFound = true): never {
    const found =
      this.i >= this.s.length
        ? 'the end of the file'
        : JSON.stringify(firstCharacters(this.s, 12, this.i));
    throw new SourceProblem(
      `is not valid JSON: ${at}: ${what}${showFound ? `; found ${found}` : ''}`,
    );
  }
}
