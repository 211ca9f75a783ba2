/**
 * Reads a configuration file's JSON with messages a person can act on: the line and column
 * of a syntax error, a byte order mark named as such, a key written twice (JSON.parse keeps
 * the last one silently), and a number too large to read kept as the text that was written.
 * The same on every Node.js version, unlike JSON.parse's messages.
 */

/** A number literal JSON cannot hold (e.g. `1e400`): rules refuse it and show its text. */
export class UnreadableNumber {
  constructor(readonly source: string) {}
}

/** Deeper nesting than any configuration needs; it stops a crafted file from exhausting the stack. */
const MAX_DEPTH = 64;

export type JsonResult = { readonly value: unknown } | { readonly error: string };

export function parseJsonSource(source: string): JsonResult {
  if (source.startsWith('\uFEFF')) {
    return {
      error:
        'starts with a byte order mark (U+FEFF), which JSON does not allow; save the file as UTF-8 without BOM',
    };
  }
  try {
    const reader = new Reader(source);
    const value = reader.value(0);
    reader.end();
    return { value };
  } catch (e) {
    if (e instanceof SyntaxProblem) return { error: `is not valid JSON: ${e.message}` };
    throw e;
  }
}

class SyntaxProblem extends Error {}

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
    const lines = new Map<string, string>();
    this.i++;
    this.space();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.space();
      if (this.s[this.i] !== '"') this.fail('expected a property name in double quotes');
      const at = this.position(this.i);
      const key = this.string();
      const first = lines.get(key);
      if (first !== undefined) {
        this.fail(
          `${JSON.stringify(key)} is written twice in this object (first at ${first})`,
          at,
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

  private string(): string {
    const start = this.i;
    this.i++;
    let out = '';
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) this.fail('the string is not closed with "', this.position(start));
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c < ' ')
        this.fail('a control character (such as a line break) inside a string must be escaped');
      if (c !== '\\') {
        out += c;
        this.i++;
        continue;
      }
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
        out += simple[e];
        this.i += 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) {
        out += String.fromCharCode(parseInt(this.s.slice(this.i + 2, this.i + 6), 16));
        this.i += 6;
      } else {
        this.fail('unknown escape in a string (use \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)');
      }
    }
  }

  private number(): number | UnreadableNumber {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.s.slice(this.i));
    if (!m) return this.fail('expected a number (JSON numbers have no leading zeros, "+" or ".5")');
    this.i += m[0].length;
    const n = Number(m[0]);
    return Number.isFinite(n) ? n : new UnreadableNumber(m[0]);
  }

  private space(): void {
    while (' \t\n\r'.includes(this.s[this.i] ?? 'x')) this.i++;
  }

  private position(index: number): string {
    const before = this.s.slice(0, index).split('\n');
    return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
  }

  private fail(what: string, at = this.position(this.i), showFound = true): never {
    const c = this.s[this.i];
    const found =
      c === undefined ? 'the end of the file' : JSON.stringify(this.s.slice(this.i, this.i + 12));
    throw new SyntaxProblem(`${at}: ${what}${showFound ? `; found ${found}` : ''}`);
  }
}
