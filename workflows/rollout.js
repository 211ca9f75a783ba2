// Generated from the rollout/ sources of aml-deploy-pipeline (entry rollout/main.ts) by
// esbuild and prettier. Do not edit: edit rollout/ there and rebuild with
// `npm run build:rollout`. aml-deploy-pipeline commits it to
// .github/workflows/aml-deploy/rollout.js, where the next deploy overwrites any change.
// Usage: node rollout.js validate | deploy | not-started (docs/rollout.md there).
/* eslint-disable -- generated: the sources in rollout/ are linted */
'use strict';

// rollout/az.ts
var import_node_child_process = require('node:child_process');
var ML_EXTENSION_VERSION = '2.44.1';
function execAz(stderr, command = 'az') {
  return {
    run: (args) =>
      new Promise((resolve2) => {
        const child = (0, import_node_child_process.execFile)(
          command,
          [...args],
          { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
          (error, stdout) => {
            if (!error) resolve2({ ok: true, stdout });
            else if (typeof error.code === 'number') {
              resolve2({ ok: false, reason: `exit status ${error.code}` });
            } else resolve2({ ok: false, reason: error.message });
          },
        );
        child.stdin?.end();
        child.stderr?.on('data', (chunk) => stderr(chunk));
      }),
  };
}
function parseJson(stdout) {
  try {
    return { value: JSON.parse(stdout) };
  } catch (e) {
    return { error: `az printed no valid JSON (${e.message})` };
  }
}
function shellWord(arg) {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
var AzureMl = class {
  constructor(az, scope, show2) {
    this.az = az;
    this.scope = scope;
    this.show = show2;
  }
  az;
  scope;
  show;
  installExtension() {
    return this.call([
      'extension',
      'add',
      '--name',
      'ml',
      '--version',
      ML_EXTENSION_VERSION,
      '--upgrade',
      '--yes',
      '--only-show-errors',
    ]);
  }
  showModel(name, version) {
    return this.ml(['model', 'show', '--name', name, '--version', version, '--output', 'none']);
  }
  /** Fails when the endpoint is missing (the exit status tells, not the message). */
  showEndpoint(endpoint) {
    return this.ml(['online-endpoint', 'show', '--name', endpoint, '--output', 'json']);
  }
  createEndpoint(endpoint, file) {
    return this.ml([
      'online-endpoint',
      'create',
      '--name',
      endpoint,
      '--file',
      file,
      '--output',
      'json',
    ]);
  }
  listDeployments(endpoint) {
    return this.ml(['online-deployment', 'list', '--endpoint-name', endpoint, '--output', 'json']);
  }
  createDeployment(deployment, endpoint, file, model) {
    return this.ml([
      'online-deployment',
      'create',
      '--name',
      deployment,
      '--endpoint-name',
      endpoint,
      '--file',
      file,
      '--set',
      `model=azureml:${model.name}:${model.version}`,
      '--output',
      'none',
    ]);
  }
  /** Sends the request file to one deployment, whatever the traffic. */
  invoke(endpoint, deployment, requestFile) {
    return this.ml([
      'online-endpoint',
      'invoke',
      '--name',
      endpoint,
      '--deployment-name',
      deployment,
      '--request-file',
      requestFile,
      '--output',
      'json',
    ]);
  }
  /** `traffic` in the only form the CLI takes: "a=90 b=10". */
  setTraffic(endpoint, traffic) {
    return this.ml([
      'online-endpoint',
      'update',
      '--name',
      endpoint,
      '--traffic',
      traffic,
      '--output',
      'none',
    ]);
  }
  deleteDeployment(deployment, endpoint) {
    return this.ml([
      'online-deployment',
      'delete',
      '--name',
      deployment,
      '--endpoint-name',
      endpoint,
      '--yes',
    ]);
  }
  /** The arguments that make a command act on the environment's workspace. */
  scopeArgs() {
    return ['--resource-group', this.scope.resourceGroup, '--workspace-name', this.scope.workspace];
  }
  ml(args) {
    return this.call(['ml', ...args, ...this.scopeArgs(), '--only-show-errors']);
  }
  call(args) {
    this.show(`+ az ${args.map(shellWord).join(' ')}`);
    return this.az.run(args);
  }
};

// rollout/github-io.ts
var import_node_fs = require('node:fs');
var import_node_path = require('node:path');

// rollout/report.ts
function annotation(level, message) {
  const data = message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  return `::${level} title=AML rollout::${data}`;
}
function outputLine(name, value) {
  if (/[\r\n]/.test(name + value)) throw new Error(`step output ${name} must be one line`);
  return `${name}=${value}
`;
}
var QUOTE_LIMIT = 300;
function quote(value) {
  const escaped = JSON.stringify(value)
    .slice(1, -1)
    .replace(/\u007f/g, '\\u007f');
  return `"${escaped.length > QUOTE_LIMIT ? `${escaped.slice(0, QUOTE_LIMIT)}...` : escaped}"`;
}
function oneLine(text2) {
  return text2.replace(/[\u0000-\u001f\u007f]/g, '?');
}
function markdownText(text2) {
  return text2.replace(/[&<>`|$[\]*_\\:]/g, (c) => `&#${c.charCodeAt(0)};`);
}
function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}
var TITLES = {
  succeeded: '✅ deployed',
  unchanged: '✅ already serving, nothing changed',
  skipped: '⏭️ skipped',
  failed: '❌ failed',
  proceeding: '❌ failed',
};
function renderSummary(report, now) {
  const row = (label, value) =>
    value === ''
      ? `| ${label} | – |`
      : // A value stays on one line of its cell: control characters as JSON escapes.
        `| ${label} | <code>${markdownText(quote(value).slice(1, -1))}</code> |`;
  const event =
    report.eventId || report.eventTime
      ? `${report.eventId || '?'} at ${report.eventTime || '?'}`
      : '';
  const lines = [
    `## Azure ML rollout: ${TITLES[report.outcome]}`,
    '',
    '| Item | Value |',
    '| --- | --- |',
    row('Model', report.modelName),
    row('Version', report.modelVersion),
    row('Environment', report.environment),
    row('Endpoint', report.endpoint),
    row('Deployment', report.deployment),
    row('Traffic before', report.trafficBefore),
    row('Traffic after', report.trafficAfter),
    row('Deployments before', report.deploymentsBefore),
    row('Deployments after', report.deploymentsAfter),
    `| Outcome | ${report.outcome === 'proceeding' ? 'failed' : report.outcome} |`,
    `| Duration | ${duration(now - report.startedAt)} |`,
    row('Event', event),
    '',
    // Each detail is a paragraph; its lines (a problem list) stay lines.
    ...report.details.flatMap((detail) => [
      ...detail.split('\n').map((line) => markdownText(oneLine(line))),
      '',
    ]),
  ];
  return `${lines.join('\n')}
`;
}

// rollout/github-io.ts
function gitHubIo(options) {
  const { summaryFile, outputFile, root, stdout, stderr } = options;
  return {
    out: (line) =>
      stdout(`${line}
`),
    err: stderr,
    appendSummary: (markdown) =>
      summaryFile ? (0, import_node_fs.appendFileSync)(summaryFile, markdown) : stderr(markdown),
    setOutput: (name, value) => {
      if (outputFile) (0, import_node_fs.appendFileSync)(outputFile, outputLine(name, value));
    },
    // Follows symbolic links, as `az` does when it reads the file.
    isFile: (path) =>
      (0, import_node_fs.statSync)((0, import_node_path.resolve)(root, path), {
        throwIfNoEntry: false,
      })?.isFile() ?? false,
    now: () => Math.floor(Date.now() / 1e3),
  };
}

// lib/deployment-target.ts
var import_node_path2 = require('node:path');

// lib/json-source.ts
var UnreadableNumber = class {
  constructor(source) {
    this.source = source;
  }
  source;
};
var MAX_SOURCE_BYTES = 1024 * 1024;
var MAX_DEPTH = 64;
function characters(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) {
    if (isHighSurrogate(s.charCodeAt(i)) && isLowSurrogate(s.charCodeAt(i + 1))) i++;
  }
  return n;
}
function firstCharacters(s, n, start = 0) {
  let end = start;
  for (let k = 0; k < n && end < s.length; k++) {
    end += isHighSurrogate(s.charCodeAt(end)) && isLowSurrogate(s.charCodeAt(end + 1)) ? 2 : 1;
  }
  return s.slice(start, end);
}
function isHighSurrogate(unit) {
  return unit >= 55296 && unit <= 56319;
}
function isLowSurrogate(unit) {
  return unit >= 56320 && unit <= 57343;
}
function position(s, index) {
  let line = 1;
  let lineStart = 0;
  for (let i = s.indexOf('\n'); i !== -1 && i < index; i = s.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${characters(s.slice(lineStart, index)) + 1}`;
}
function parseJsonSource(source) {
  if (source.startsWith('\uFEFF')) {
    return {
      error:
        'starts with a byte order mark (U+FEFF), which JSON does not allow; save the file as UTF-8 without BOM',
    };
  }
  const nul = source.indexOf('\0');
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
var SourceProblem = class extends Error {};
var NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/uy;
var Reader = class {
  constructor(s) {
    this.s = s;
  }
  s;
  i = 0;
  value(depth) {
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
    ]) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return value;
      }
    }
    return this.fail('expected a value (an object, list, string, number, true, false or null)');
  }
  end() {
    this.space();
    if (this.i < this.s.length) this.fail('expected the end of the file after the value');
  }
  object(depth) {
    const out = {};
    const lines = /* @__PURE__ */ new Map();
    this.i++;
    this.space();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.space();
      if (this.s[this.i] !== '"') this.fail('expected a property name in double quotes');
      const at = position(this.s, this.i);
      const key = this.string();
      const first = lines.get(key);
      if (first !== void 0) {
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
  array(depth) {
    const out = [];
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
  string() {
    const start = this.i;
    this.i++;
    let out = '';
    let run = this.i;
    for (;;) {
      const unit = this.s.charCodeAt(this.i);
      if (Number.isNaN(unit)) this.fail('the string is not closed with "', position(this.s, start));
      if (unit === 34) {
        out += this.s.slice(run, this.i);
        this.i++;
        return out;
      }
      if (unit < 32)
        this.fail('a control character (such as a line break) inside a string must be escaped');
      if (isHighSurrogate(unit) && isLowSurrogate(this.s.charCodeAt(this.i + 1))) {
        this.i += 2;
        continue;
      }
      if (isHighSurrogate(unit) || isLowSurrogate(unit)) this.loneSurrogate(unit);
      if (unit !== 92) {
        this.i++;
        continue;
      }
      out += this.s.slice(run, this.i);
      out += this.escape();
      run = this.i;
    }
  }
  /** One escape sequence at `this.i` (a backslash); a `\u` pair of surrogates is one character. */
  escape() {
    const e = this.s[this.i + 1];
    const simple = {
      '"': '"',
      '\\': '\\',
      '/': '/',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '	',
    };
    if (e !== void 0 && e in simple) {
      this.i += 2;
      return simple[e];
    }
    const unit = this.unicodeEscape(this.i);
    if (unit === void 0) {
      return this.fail(
        'unknown escape in a string (use \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)',
      );
    }
    if (unit === 0) this.notText('a NUL character (\\u0000)', 'which no field accepts; remove it');
    if (isHighSurrogate(unit)) {
      const next = this.unicodeEscape(this.i + 6);
      if (next !== void 0 && isLowSurrogate(next)) {
        this.i += 12;
        return String.fromCharCode(unit, next);
      }
    }
    if (isHighSurrogate(unit) || isLowSurrogate(unit)) this.loneSurrogate(unit);
    this.i += 6;
    return String.fromCharCode(unit);
  }
  /** The code unit of a `\uXXXX` escape at `at`, if there is one. */
  unicodeEscape(at) {
    if (this.s[at] !== '\\' || this.s[at + 1] !== 'u') return void 0;
    const hex = this.s.slice(at + 2, at + 6);
    return /^[0-9a-fA-F]{4}$/u.test(hex) ? parseInt(hex, 16) : void 0;
  }
  loneSurrogate(unit) {
    const code = unit.toString(16).toUpperCase();
    return this.notText(
      `a lone surrogate (\\u${code})`,
      'which is half of a character (one of a UTF-16 pair), not text; write the whole character',
    );
  }
  number() {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (!m) return this.fail('expected a number (JSON numbers have no leading zeros, "+" or ".5")');
    this.i += m[0].length;
    const n = Number(m[0]);
    return Number.isFinite(n) ? n : new UnreadableNumber(m[0]);
  }
  space() {
    while (' 	\n\r'.includes(this.s[this.i] ?? 'x')) this.i++;
  }
  /** Text JSON allows but no field accepts: what, where, and what to do. */
  notText(what, why) {
    throw new SourceProblem(`has ${what} at ${position(this.s, this.i)}, ${why}`);
  }
  fail(what, at = position(this.s, this.i), showFound = true) {
    const found =
      this.i >= this.s.length
        ? 'the end of the file'
        : JSON.stringify(firstCharacters(this.s, 12, this.i));
    throw new SourceProblem(
      `is not valid JSON: ${at}: ${what}${showFound ? `; found ${found}` : ''}`,
    );
  }
};

// lib/schema.ts
function required(rule, description) {
  return { rule, description, presence: 'required' };
}
function optional(rule, description, opts = {}) {
  return {
    rule,
    description,
    presence: 'default' in opts ? 'defaulted' : 'optional',
    default: opts.default,
    defaultText: opts.defaultText,
  };
}
function cutJson(text2, n) {
  const head = firstCharacters(text2, n);
  const open = /(\\+)(u[0-9a-fA-F]{0,3})?$/u.exec(head);
  return open && open[1].length % 2 === 1
    ? head.slice(0, head.length - 1 - (open[2]?.length ?? 0))
    : head;
}
function show(value) {
  if (value === void 0) return 'nothing';
  if (value instanceof UnreadableNumber) return `${value.source} (a number too large to read)`;
  const text2 = JSON.stringify(value);
  if (characters(text2) <= 80) return text2;
  if (typeof value === 'string') {
    const head = JSON.stringify(firstCharacters(value, 59)).slice(0, -1);
    return `${head}... (${characters(value)} characters)`;
  }
  const size = Array.isArray(value)
    ? `${value.length} entries`
    : `${characters(text2)} characters of JSON`;
  return `${cutJson(text2, 60)}... (${size})`;
}
function problem(path, value, expected) {
  return { problems: [{ path, message: `${show(value)} is not accepted; expected ${expected}` }] };
}
function unicodePattern(pattern) {
  if (pattern.flags !== 'u' && pattern.flags !== '') {
    throw new Error(`${pattern}: a rule's pattern takes no flag but "u" (JSON Schema has none)`);
  }
  return pattern.flags === 'u' ? pattern : new RegExp(pattern.source, 'u');
}
function text(pattern, expected, opts = {}) {
  const re = unicodePattern(pattern);
  const refinements = (opts.refine ?? []).map((r) => ({ ...r, re: unicodePattern(r.pattern) }));
  return {
    expected,
    refinements: refinements.map((r) => r.expected),
    json: {
      type: 'string',
      pattern: re.source,
      patternErrorMessage: `expected ${expected}`,
      ...(refinements.length
        ? {
            allOf: refinements.map((r) => ({
              pattern: r.re.source,
              patternErrorMessage: `expected ${r.expected}`,
            })),
          }
        : {}),
      ...opts.json,
    },
    check: (value, path) => {
      if (typeof value !== 'string' || !re.test(value)) {
        const guess = typeof value === 'string' ? opts.hint?.(value) : void 0;
        return problem(
          path,
          value,
          guess ? `${expected} (did you mean ${show(guess)}?)` : expected,
        );
      }
      for (const r of refinements) {
        if (!r.re.test(value)) return problem(path, value, r.message?.(value) ?? r.expected);
      }
      return { value: opts.normalize ? opts.normalize(value) : value };
    },
  };
}
function oneOf(values, expected = `one of ${values.map((v) => show(v)).join(', ')}`, hint) {
  return {
    expected,
    json: { type: 'string', enum: values },
    check: (value, path) => {
      if (typeof value === 'string' && values.includes(value)) {
        return { value };
      }
      const guess = typeof value === 'string' ? hint?.(value) : void 0;
      return problem(path, value, guess ? `${expected} (did you mean ${show(guess)}?)` : expected);
    },
  };
}
function integer(min, max) {
  const expected = `a whole number from ${min} to ${max}`;
  return {
    expected,
    json: { type: 'integer', minimum: min, maximum: max },
    check: (value, path) =>
      typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
        ? { value }
        : problem(path, value, expected),
  };
}
function record(key, item, opts = {}) {
  return {
    expected: `an object ({...}) mapping ${key.expected} to ${item.expected}`,
    item,
    key,
    json: {
      type: 'object',
      additionalProperties: item.json,
      propertyNames: key.json,
      ...(opts.max !== void 0 ? { maxProperties: opts.max } : {}),
    },
    check: (value, path) => {
      if (!isPlainObject(value)) return problem(path, value, 'an object ({...})');
      const problems = [];
      const entries = Object.entries(value);
      if (opts.max !== void 0 && entries.length > opts.max) {
        problems.push({
          path,
          message: `has ${entries.length} ${opts.maxName ?? 'entries'}; expected at most ${opts.max}`,
        });
      }
      const out = [];
      const seen = /* @__PURE__ */ new Map();
      for (const [k, v] of entries) {
        const kr = key.check(k, `${path} key`);
        if ('problems' in kr) problems.push(...kr.problems);
        if (opts.uniqueIgnoringCase !== void 0) {
          const first = seen.get(k.toLowerCase());
          if (first === void 0) seen.set(k.toLowerCase(), k);
          else
            problems.push({
              path: `${path}.${k}`,
              message: `${opts.uniqueIgnoringCase} ${show(k)} differs from ${show(first)} only in case, and ${opts.uniqueIgnoringCase}s ignore case; keep one`,
            });
        }
        const r = item.check(v, `${path}.${k}`);
        if ('problems' in r) problems.push(...r.problems);
        else out.push([k, r.value]);
      }
      return problems.length ? { problems } : { value: Object.fromEntries(out) };
    },
  };
}
function object(shape, json = {}) {
  const known = Object.keys(shape);
  return {
    expected: 'an object ({...})',
    fields: shape,
    json: {
      type: 'object',
      properties: Object.fromEntries(
        Object.entries(shape).map(([k, f]) => [
          k,
          {
            ...f.rule.json,
            description: f.description,
            ...(f.presence === 'defaulted' ? { default: f.default } : {}),
          },
        ]),
      ),
      required: known.filter((k) => shape[k].presence === 'required'),
      additionalProperties: false,
      ...json,
    },
    check: (value, path) => {
      if (!isPlainObject(value)) return problem(path || '(file)', value, 'an object ({...})');
      const problems = [];
      const out = [];
      for (const key of Object.keys(value)) {
        if (known.includes(key)) continue;
        const guess = closest(key, known);
        problems.push({
          path: join(path, key),
          message:
            `is not a known field; expected one of ${known.join(', ')}` +
            (guess ? ` (did you mean ${show(guess)}?)` : ''),
        });
      }
      for (const [key, field] of Object.entries(shape)) {
        const present = Object.hasOwn(value, key);
        const p = join(path, key);
        if (!present && field.presence === 'required') {
          problems.push({ path: p, message: 'is required' });
          continue;
        }
        if (!present && field.presence === 'optional') continue;
        const r = field.rule.check(present ? value[key] : field.default, p);
        if ('problems' in r) problems.push(...r.problems);
        else out.push([key, r.value]);
      }
      return problems.length ? { problems } : { value: Object.fromEntries(out) };
    },
  };
}
function join(path, key) {
  return path ? `${path}.${key}` : key;
}
function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function closest(word, candidates) {
  const norm = (s) => s.toLowerCase().replace(/[-_\s]/gu, '');
  const w = norm(word);
  const only = (found) => (found.length === 1 ? found[0] : void 0);
  const same = only(candidates.filter((c) => norm(c) === w));
  if (same) return same;
  if (w.length >= 3) {
    const abbreviated = only(candidates.filter((c) => norm(c).startsWith(w)));
    if (abbreviated) return abbreviated;
    const extended = candidates
      .filter((c) => norm(c).length >= 4 && w.startsWith(norm(c)))
      .sort((a, b) => norm(b).length - norm(a).length);
    if (extended.length) return extended[0];
  }
  let best;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = distance(w, norm(c));
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}
function distance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

// lib/deployment-target.ts
var modelName = text(
  /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/u,
  'an Azure ML model name: 1-255 letters, digits, "-", "_" or ".", starting with a letter or digit',
);
var endpointName = text(
  /^[A-Za-z][A-Za-z0-9-]{1,30}[A-Za-z0-9]$/u,
  'an online endpoint name: 3-32 letters, digits or "-", starting with a letter and not ending with "-"',
);
function repoPath(extensions) {
  const ends = extensions.map((e) => `"${e}"`).join(' or ');
  const endings = extensions.map((e) => e.replace(/\./gu, '\\.')).join('|');
  return text(
    /^(?!\/)(?!-)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._\-/]{1,255}$/u,
    `a relative path in the target repository (letters, digits, ".", "_", "-", "/"; no "." or ".." folder; at most 255) ending in ${ends}`,
    {
      hint: (s) => (/^(?:\.\/)+[^./]/u.test(s) ? s.replace(/^(?:\.\/)+/u, '') : void 0),
      refine: [
        {
          pattern: new RegExp(`(?:${endings})$`, 'u'),
          expected: `a path ending in ${ends}`,
          message: (s) =>
            `a path ending in ${ends}, such as "deploy/${(0, import_node_path2.basename)(s, (0, import_node_path2.extname)(s)) || 'file'}${extensions[0]}"`,
        },
      ],
    },
  );
}
var TARGET_FIELDS = {
  endpoint: required(
    endpointName,
    'Managed online endpoint that serves the model; created from `endpointSpec` when missing. One endpoint serves one model.',
  ),
  endpointSpec: required(
    repoPath(['.yml', '.yaml']),
    'Path of the endpoint YAML (`az ml online-endpoint create --file`) in the target repository.',
  ),
  deploymentSpec: required(
    repoPath(['.yml', '.yaml']),
    'Path of the deployment YAML (`az ml online-deployment create --file`) in the target repository; the model is set by the rollout.',
  ),
  smokeTestRequest: optional(
    repoPath(['.json']),
    'Path of a sample request in the target repository: the new deployment must answer it before it gets traffic.',
    { defaultText: 'no smoke test' },
  ),
  canaryPercent: optional(
    integer(0, 99),
    'Share of traffic the new deployment gets first, before 100 % (only when another deployment serves).',
    { default: 0 },
  ),
  keepDeployments: optional(
    integer(1, 10),
    'Earlier deployments of the model kept (without traffic) after a successful rollout, for a quick rollback.',
    { default: 1 },
  ),
};
var deploymentTarget = object({
  model: required(modelName, 'Azure ML model name, exactly as registered.'),
  ...TARGET_FIELDS,
});
var publishedTarget = object(TARGET_FIELDS);
var publishedTargets = record(modelName, publishedTarget);

// lib/workflow-contract.ts
var COMMITTED_FILES = [
  { source: 'workflows/deploy-model.yml', path: '.github/workflows/aml-deploy-model.yml' },
  // Generated from rollout/ (npm run build:rollout); runs on the Node.js the workflow sets up.
  { source: 'workflows/rollout.js', path: '.github/workflows/aml-deploy/rollout.js' },
];
var DEPLOY_WORKFLOW_PATH = COMMITTED_FILES[0].path;
var ROLLOUT_PATH = COMMITTED_FILES[1].path;
var VARIABLE_NAMES = {
  authMode: 'AZURE_AUTH_MODE',
  clientId: 'AZURE_CLIENT_ID',
  tenantId: 'AZURE_TENANT_ID',
  subscriptionId: 'AZURE_SUBSCRIPTION_ID',
  resourceGroup: 'AML_RESOURCE_GROUP',
  workspace: 'AML_WORKSPACE',
  deploymentTargets: 'AML_DEPLOYMENT_TARGETS',
};
var GITHUB_VARIABLE_MAX_BYTES = 48 * 1024;

// rollout/inputs.ts
var REQUEST_VARIABLES = {
  modelName: 'MODEL_NAME',
  modelVersion: 'MODEL_VERSION',
  environment: 'DEPLOY_ENVIRONMENT',
  eventId: 'EVENT_ID',
  eventTime: 'EVENT_TIME',
  workspace: 'EVENT_WORKSPACE',
};
var ENVIRONMENT_VARIABLES = {
  authMode: VARIABLE_NAMES.authMode,
  resourceGroup: VARIABLE_NAMES.resourceGroup,
  workspace: VARIABLE_NAMES.workspace,
  deploymentTargets: VARIABLE_NAMES.deploymentTargets,
};
var STARTED_AT_VARIABLE = 'ROLLOUT_STARTED_AT';
var GITHUB_VARIABLES = {
  /** `repository_dispatch` (an event from the pipeline) or `workflow_dispatch` (a person). */
  eventName: 'GITHUB_EVENT_NAME',
  output: 'GITHUB_OUTPUT',
  stepSummary: 'GITHUB_STEP_SUMMARY',
};
function readInputs(env) {
  const pick = (names) =>
    Object.fromEntries(Object.entries(names).map(([k, name]) => [k, env[name] ?? '']));
  return {
    request: pick(REQUEST_VARIABLES),
    variables: pick(ENVIRONMENT_VARIABLES),
    startedAt: env[STARTED_AT_VARIABLE] ?? '',
    eventName: env[GITHUB_VARIABLES.eventName] ?? '',
  };
}

// rollout/context.ts
var Stop = class extends Error {
  constructor(exitCode) {
    super(`rollout stopped (exit status ${exitCode})`);
    this.exitCode = exitCode;
  }
  exitCode;
};
var CANCELLED_EXIT_CODE = 130;
var Context = class {
  constructor(io, report, signal) {
    this.io = io;
    this.report = report;
    this.signal = signal;
  }
  io;
  report;
  signal;
  /** A line of our own in the step log. */
  log(line) {
    this.io.out(oneLine(line));
  }
  annotate(level, message) {
    this.io.out(annotation(level, message));
  }
  /** Ends the run as failed: a summary paragraph and an error annotation. */
  fail(message, exitCode = 1) {
    this.report.details.push(message);
    this.report.outcome = 'failed';
    this.annotate('error', message);
    throw new Stop(exitCode);
  }
  /**
   * Ends the run successfully without a rollout: nothing to do for this model here, or an
   * event older than the version that serves. Only before anything changes in Azure.
   */
  skip(message) {
    this.report.details.push(message);
    this.report.outcome = 'skipped';
    this.annotate('notice', message);
    throw new Stop(0);
  }
  /** Fails the run if it was cancelled; called between Azure calls, never while rolling back. */
  checkCancelled() {
    if (this.signal?.aborted) {
      this.fail('The run was cancelled.', CANCELLED_EXIT_CODE);
    }
  }
  /**
   * The Stop for anything thrown: a Stop as it is; any other error is a bug or an
   * environment problem, recorded as a failure that points to the step log.
   */
  stopFor(error) {
    if (error instanceof Stop) return error;
    const message = error instanceof Error ? error.message : String(error);
    this.io.err(error instanceof Error && error.stack ? error.stack : message);
    this.report.outcome = 'failed';
    this.report.details.push(`The rollout stopped unexpectedly (${message}); see the step log.`);
    this.annotate('error', `The rollout stopped unexpectedly: ${message}`);
    return new Stop(1);
  }
};

// rollout/plan.ts
var DEPLOYMENT_PREFIX = 'model-v';
function deploymentName(version) {
  return `${DEPLOYMENT_PREFIX}${version}`;
}
function parseModelRef(model) {
  if (typeof model !== 'string') return void 0;
  const short = /^azureml:([^:/]+):([^:/]+)$/.exec(model);
  if (short) return { name: short[1], version: short[2] };
  const arm = /\/workspaces\/[^/]+\/models\/([^/]+)\/versions\/([^/]+)$/.exec(model);
  return arm ? { name: arm[1], version: arm[2] } : void 0;
}
function readEndpointState(endpoint, deployments) {
  if (!isPlainObject(endpoint)) return { error: 'the endpoint is not a JSON object' };
  const traffic = /* @__PURE__ */ new Map();
  const rawTraffic = endpoint.traffic ?? {};
  if (!isPlainObject(rawTraffic)) return { error: `the endpoint's "traffic" is not a JSON object` };
  for (const [name, share] of Object.entries(rawTraffic)) {
    const value = typeof share === 'string' && /^\d{1,3}$/.test(share) ? Number(share) : share;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) {
      return { error: `the traffic share of ${JSON.stringify(name)} is ${JSON.stringify(share)}` };
    }
    traffic.set(name, value);
  }
  if (!Array.isArray(deployments)) return { error: 'the deployment list is not a JSON array' };
  const read = [];
  for (const d of deployments) {
    if (!isPlainObject(d) || typeof d.name !== 'string' || d.name === '') {
      return { error: 'a deployment in the list has no name' };
    }
    const model = parseModelRef(d.model);
    const modelText = typeof d.model === 'string' ? d.model : 'unknown model';
    read.push({
      name: d.name,
      model,
      label: `${d.name} (${model ? `${model.name}:${model.version}` : modelText})`,
      state: typeof d.provisioning_state === 'string' ? d.provisioning_state : '',
    });
  }
  return { state: { traffic, deployments: read } };
}
function planRollout(state, request) {
  const { traffic: before } = state;
  const name = deploymentName(request.version);
  const share = (d) => before.get(d) ?? 0;
  const ours = (d) => d.model?.name === request.model;
  const thisVersion = (d) => ours(d) && d.model?.version === request.version;
  const snapshot = {
    traffic: before,
    deployments: state.deployments.map((d) => d.label),
  };
  const serving = state.deployments.find((d) => thisVersion(d) && share(d.name) === 100);
  if (serving) return { kind: 'unchanged', before: snapshot, deployment: serving.name };
  const newest = Math.max(
    -1,
    ...state.deployments
      .filter((d) => ours(d) && share(d.name) > 0 && /^[0-9]{1,15}$/.test(d.model?.version ?? ''))
      .map((d) => Number(d.model?.version)),
  );
  if (request.neverDowngrade && newest > Number(request.version)) {
    return { kind: 'stale', before: snapshot, servingVersion: newest };
  }
  const taken = state.deployments.find((d) => d.name === name && !thisVersion(d));
  if (taken) return { kind: 'name-taken', before: snapshot, deployment: name, label: taken.label };
  const reusable = state.deployments
    .filter((d) => thisVersion(d) && (d.state === '' || d.state === 'Succeeded'))
    .sort(
      (a, b) =>
        share(b.name) - share(a.name) ||
        Number(b.name === name) - Number(a.name === name) ||
        compare(a.name, b.name),
    )[0];
  if (!reusable) {
    const broken = state.deployments.find(thisVersion);
    if (broken) {
      return {
        kind: 'not-provisioned',
        before: snapshot,
        deployment: broken.name,
        state: broken.state,
      };
    }
  }
  const target = reusable?.name ?? name;
  const steps = [];
  const canary = canaryTraffic(before, target, request.canaryPercent);
  if (canary) steps.push({ what: 'canary', traffic: canary });
  const final = new Map([...before].map(([d]) => [d, 0]));
  final.set(target, 100);
  steps.push({ what: 'final', traffic: final });
  const restore = new Map(before);
  if (!restore.has(target)) restore.set(target, 0);
  const previous = state.deployments.filter((d) => d.name !== target && share(d.name) > 0);
  const spare = Math.max(request.keepDeployments - previous.length, 0);
  const cleanup = state.deployments
    .filter((d) => d.name !== target && share(d.name) === 0 && ours(d))
    .sort((a, b) => versionNumber(b) - versionNumber(a) || compare(a.name, b.name))
    .slice(spare)
    .map((d) => d.name);
  const names = [.../* @__PURE__ */ new Set([...state.deployments.map((d) => d.name), target])]
    .filter((d) => !cleanup.includes(d))
    .sort(compare);
  const labels = new Map(state.deployments.map((d) => [d.name, d.label]));
  const after = {
    traffic: without(final, cleanup),
    deployments: names.map((d) => labels.get(d) ?? `${d} (${request.model}:${request.version})`),
  };
  return {
    kind: 'roll-out',
    before: snapshot,
    deployment: target,
    create: !reusable,
    steps,
    restore,
    cleanup,
    after,
  };
}
function canaryTraffic(before, target, percent) {
  const targetShare = before.get(target) ?? 0;
  const others = [...before].filter(([d]) => d !== target);
  const othersTotal = others.reduce((sum, [, share]) => sum + share, 0);
  if (percent <= 0 || othersTotal <= 0 || targetShare >= percent) return void 0;
  const canary = /* @__PURE__ */ new Map([[target, percent]]);
  let left = percent - targetShare;
  for (const [d, share] of others.sort((a, b) => b[1] - a[1] || compare(a[0], b[0]))) {
    const take = Math.min(share, left);
    canary.set(d, share - take);
    left -= take;
  }
  return canary;
}
function without(traffic, names) {
  return new Map([...traffic].filter(([d]) => !names.includes(d)));
}
function trafficText(traffic) {
  return [...traffic]
    .sort((a, b) => compare(a[0], b[0]))
    .map(([d, share]) => `${d}=${share}`)
    .join(' ');
}
function versionNumber(d) {
  const version = d.model?.version ?? '';
  return /^\d{1,15}(?:\.\d+)?$/.test(version) ? Number(version) : 0;
}
function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

// rollout/deploy.ts
async function deploy(ctx, ml, request, target, neverDowngrade) {
  const undo = {
    armed: false,
    created: '',
    trafficTouched: false,
    restore: /* @__PURE__ */ new Map(),
  };
  try {
    await rollOut(ctx, ml, request, target, neverDowngrade, undo);
  } catch (error) {
    const stop = ctx.stopFor(error);
    if (undo.armed) await rollBack(ctx, ml, target.endpoint, undo);
    throw stop;
  }
}
async function rollOut(ctx, ml, request, target, neverDowngrade, undo) {
  const { report } = ctx;
  const { modelName: model, modelVersion: version } = request;
  const { endpoint } = target;
  const call = async (result) => {
    const value = await result;
    ctx.checkCancelled();
    return value;
  };
  ctx.log(`Installing the Azure CLI ml extension ${ML_EXTENSION_VERSION}.`);
  if (!(await call(ml.installExtension())).ok) {
    ctx.fail(`Installing the Azure CLI ml extension ${ML_EXTENSION_VERSION} failed.`);
  }
  if (!(await call(ml.showModel(model, version))).ok) {
    ctx.fail(
      `Model ${model} version ${version} could not be read from workspace ${request.workspace}: it is not registered there, or the deploy identity cannot read it.`,
    );
  }
  let shown = await call(ml.showEndpoint(endpoint));
  if (!shown.ok) {
    ctx.log(
      `Endpoint ${endpoint} does not exist (the error above is expected): creating it from ${target.endpointSpec}.`,
    );
    shown = await call(ml.createEndpoint(endpoint, target.endpointSpec));
    if (!shown.ok) ctx.fail(`Creating endpoint ${endpoint} from ${target.endpointSpec} failed.`);
    report.details.push(`Endpoint ${endpoint} was created from ${target.endpointSpec}.`);
  }
  const listed = await call(ml.listDeployments(endpoint));
  if (!listed.ok) ctx.fail(`Listing the deployments of endpoint ${endpoint} failed.`);
  const endpointJson = parseJson(shown.stdout);
  const deploymentsJson = parseJson(listed.stdout);
  const read =
    'error' in endpointJson
      ? endpointJson
      : 'error' in deploymentsJson
        ? deploymentsJson
        : readEndpointState(endpointJson.value, deploymentsJson.value);
  if ('error' in read)
    ctx.fail(`The state of endpoint ${endpoint} could not be read: ${read.error}`);
  const plan = planRollout(read.state, {
    model,
    version,
    canaryPercent: target.canaryPercent,
    keepDeployments: target.keepDeployments,
    neverDowngrade,
  });
  report.trafficBefore = report.trafficAfter = trafficText(plan.before.traffic);
  report.deploymentsBefore = report.deploymentsAfter = plan.before.deployments.join(', ');
  if (plan.kind === 'unchanged') {
    report.outcome = 'unchanged';
    report.deployment = plan.deployment;
    report.details.push(
      `Deployment ${plan.deployment} of endpoint ${endpoint} already serves ${model} version ${version} with 100 % of traffic; nothing was changed.`,
    );
    return;
  }
  if (plan.kind === 'stale') {
    ctx.skip(
      `Model ${model} version ${version} is older than the serving version ${plan.servingVersion}; a repository_dispatch never downgrades — use workflow_dispatch to roll back. Nothing was changed: traffic on endpoint ${endpoint} stays "${report.trafficBefore}".`,
    );
  }
  if (plan.kind === 'name-taken') {
    ctx.fail(
      `Endpoint ${endpoint} already has a deployment named ${plan.deployment} that runs another model: ${plan.label}. Delete it, then run again.`,
    );
  }
  if (plan.kind === 'not-provisioned') {
    ctx.fail(
      `Endpoint ${endpoint} has a deployment of ${model} version ${version} that did not provision: ${plan.deployment} (${plan.state}). Delete it (az ml online-deployment delete --name ${plan.deployment} --endpoint-name ${endpoint} --yes), then run again.`,
    );
  }
  const deployment = plan.deployment;
  report.deployment = deployment;
  undo.restore = plan.restore;
  undo.armed = true;
  if (!plan.create) {
    report.details.push(
      `Deployment ${deployment} already runs ${model} version ${version}: reused, not created again.`,
    );
    ctx.log(`Reusing deployment ${deployment}, which already runs ${model}:${version}.`);
  } else {
    undo.created = deployment;
    const created = await call(
      ml.createDeployment(deployment, endpoint, target.deploymentSpec, { name: model, version }),
    );
    if (!created.ok) {
      ctx.fail(
        `Creating deployment ${deployment} on endpoint ${endpoint} from ${target.deploymentSpec} failed.`,
      );
    }
  }
  if (target.smokeTestRequest === void 0) {
    ctx.log(`No smoke test request configured for model ${model}: skipping the smoke test.`);
  } else {
    const answer = await call(ml.invoke(endpoint, deployment, target.smokeTestRequest));
    if (!answer.ok) {
      ctx.fail(
        `Smoke test failed: deployment ${deployment} did not answer ${target.smokeTestRequest}.`,
      );
    }
    ctx.io.out(`Smoke test passed. Response: ${quote(answer.stdout.replace(/\n$/, ''))}`);
  }
  if (target.canaryPercent > 0 && !plan.steps.some((s) => s.what === 'canary')) {
    ctx.log(
      `No canary step: nothing else serves traffic on ${endpoint}, or ${deployment} already has ${target.canaryPercent} % or more.`,
    );
  }
  for (const step of plan.steps) {
    const what =
      step.what === 'canary' ? `canary ${target.canaryPercent} %` : `100 % to ${deployment}`;
    const traffic = trafficText(step.traffic);
    undo.trafficTouched = true;
    ctx.log(`Traffic (${what}): ${traffic}`);
    if (!(await call(ml.setTraffic(endpoint, traffic))).ok) {
      ctx.fail(`Shifting traffic (${what}: ${traffic}) on endpoint ${endpoint} failed.`);
    }
  }
  undo.armed = false;
  const deleted = [];
  const failed = [];
  for (const name of plan.cleanup) {
    const result = await ml.deleteDeployment(name, endpoint);
    (result.ok ? deleted : failed).push(name);
  }
  report.outcome = 'succeeded';
  report.trafficAfter = trafficText(without(plan.steps[plan.steps.length - 1].traffic, deleted));
  report.deploymentsAfter = [
    ...plan.after.deployments,
    ...failed.map((name) => `${name} (delete failed)`),
  ].join(', ');
  if (deleted.length > 0) {
    report.details.push(
      `Deleted earlier deployments beyond keepDeployments=${target.keepDeployments}: ${deleted.join(' ')}.`,
    );
  }
  if (failed.length > 0) {
    report.details.push(
      `Cleanup incomplete: deleting ${failed.join(' ')} failed (no traffic goes there); delete by hand or let the next rollout retry.`,
    );
    ctx.annotate(
      'warning',
      `Cleanup incomplete: could not delete ${failed.join(' ')} on ${endpoint}.`,
    );
  }
}
async function rollBack(ctx, ml, endpoint, undo) {
  const { report } = ctx;
  const restore = trafficText(undo.restore);
  undo.armed = false;
  ctx.log('Rolling back.');
  let restored = true;
  if (undo.trafficTouched) {
    if ((await ml.setTraffic(endpoint, restore)).ok) {
      report.details.push(`Rolled back: traffic restored to "${restore}".`);
    } else {
      restored = false;
      report.trafficAfter = 'unknown: restoring it failed';
      report.details.push(
        `ROLLBACK INCOMPLETE: restoring traffic failed. Restore it by hand: az ml online-endpoint update --name ${endpoint} --traffic "${restore}" ${ml.scopeArgs().join(' ')}`,
      );
      ctx.annotate(
        'error',
        `Rollback incomplete: traffic on ${endpoint} could not be restored to "${restore}".`,
      );
    }
  } else if (undo.created === '') {
    report.details.push('Nothing had been changed yet: no rollback needed.');
  }
  if (restored) report.trafficAfter = report.trafficBefore;
  const before = report.deploymentsBefore;
  report.deploymentsAfter = before;
  if (undo.created === '') return;
  const kept = () => (before ? `${before}, ${undo.created}` : undo.created);
  if (!restored) {
    report.deploymentsAfter = kept();
    report.details.push(
      `Deployment ${undo.created} was kept because it may still receive traffic; delete it once traffic is restored.`,
    );
  } else if ((await ml.deleteDeployment(undo.created, endpoint)).ok) {
    report.details.push(`Rolled back: the failed deployment ${undo.created} was deleted.`);
  } else {
    report.deploymentsAfter = kept();
    report.details.push(
      `The failed deployment ${undo.created} could not be deleted (it receives no traffic); delete it by hand.`,
    );
    ctx.annotate('warning', `The failed deployment ${undo.created} could not be deleted.`);
  }
}

// lib/config-fields.ts
var AUTH_MODES = ['oidc', 'client-secret'];
var GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/u;
var GUID_EXPECTED = 'a GUID such as "00000000-0000-0000-0000-000000000000"';
var lowerCase = (g) => g.toLowerCase();
var guid = text(GUID, GUID_EXPECTED, { normalize: lowerCase });
var principal = text(GUID, GUID_EXPECTED, {
  refine: [
    {
      pattern: /^(?!0{8}-0{4}-0{4}-0{4}-0{12}$)/u,
      expected:
        'the object ID of a user, group or service principal; the nil GUID "00000000-0000-0000-0000-000000000000" names none',
    },
  ],
  normalize: lowerCase,
});
var githubOwner = text(
  /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/u,
  'a GitHub user or organization name: 1-39 letters, digits or single hyphens, not starting or ending with a hyphen',
);
var githubUser = text(
  /^(?=.{1,39}$)[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*(?:_[A-Za-z0-9]{3,8})?$/u,
  'a GitHub login: 1-39 letters, digits or single hyphens, not starting or ending with a hyphen; for a managed user, followed by "_" and the enterprise shortcode (e.g. "mona-cat_octo")',
);
var githubRepository = text(
  /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/u,
  'a GitHub repository name: 1-100 letters, digits, ".", "-" or "_" (not "." or "..")',
  {
    refine: [
      {
        pattern: /^(?![\s\S]*\.git$)/u,
        expected: 'a repository name without the ".git" of its clone URL',
        message: (s) =>
          `a repository name without the ".git" of its clone URL (did you mean ${show(s.slice(0, -4))}?)`,
      },
    ],
  },
);
var githubEnvironment = text(
  /^(?![\s\S]*[$%@]\{)(?!\s)(?![\s\S]*\s$)[^'"`,;:\\/\p{Cc}]{1,255}$/u,
  'a GitHub environment name: 1-255 characters, no spaces at either end, without ":", quotes, "`", commas, semicolons, "\\", "/", control characters, "${", "%{" or "@{"',
  {
    refine: [
      {
        pattern: /^(?!\.\.?$)/u,
        expected: `a GitHub environment name other than "." or "..": the name is a segment of the API's URLs`,
      },
    ],
  },
);
var workspaceName = text(
  /^[A-Za-z0-9][A-Za-z0-9_-]{2,32}$/u,
  'an Azure ML workspace name: 3-33 letters, digits, "-" or "_", starting with a letter or digit',
);
var resourceGroup = text(
  /^[-\p{L}\p{Nd}_.()]{0,89}[-\p{L}\p{Nd}_()]$/u,
  'a resource group name: 1-90 letters, digits, "_", "-", ".", "(" or ")", not ending in "."',
);
var namePrefix = text(
  /^[a-z][a-z0-9]{1,9}$/u,
  'a naming prefix: 2-10 lowercase letters or digits, starting with a letter',
);
var storageAccountName = text(
  /^[a-z0-9]{3,24}$/u,
  'a storage account name: 3-24 lowercase letters or digits',
);
var blobContainer = text(
  /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/u,
  'a blob container name: 3-63 lowercase letters, digits or single hyphens, not starting or ending with a hyphen',
);
var tags = record(
  text(
    /^(?!__proto__$)[^<>%&\\?/]{1,128}$/u,
    'a tag name: 1-128 characters without < > % & \\ ? /, other than __proto__',
    {
      refine: [
        {
          pattern:
            /^(?![Aa][Zz][Uu][Rr][Ee]|[Mm][Ii][Cc][Rr][Oo][Ss][Oo][Ff][Tt]|[Ww][Ii][Nn][Dd][Oo][Ww][Ss])/u,
          expected:
            'a tag name that does not start with "azure", "microsoft" or "windows" (in any case): Azure reserves those prefixes',
        },
      ],
    },
  ),
  text(/^[\s\S]{0,256}$/u, 'a tag value: a string of at most 256 characters'),
  { max: 50, maxName: 'tags', uniqueIgnoringCase: 'tag name' },
);

// lib/dispatch-contract.ts
var PAYLOAD_KEYS = {
  modelName: 'model_name',
  modelVersion: 'model_version',
  eventId: 'event_id',
  eventTime: 'event_time',
  workspace: 'workspace',
  /**
   * The GitHub environment the deploy job runs in. Several app environments (staging,
   * production) may dispatch to one repository; this says which one a run is for.
   */
  environment: 'environment',
};
var modelVersion = text(
  /^[1-9][0-9]{0,8}$/,
  'a model version: a whole number from 1 to 999999999 without leading zeros (the versions Azure ML gives on registration)',
);
var eventId = text(
  /^[A-Za-z0-9._:-]{1,128}$/,
  'an Event Grid event id: 1-128 letters, digits, ".", "_", ":" or "-"',
);
var eventTime = text(
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/,
  'an ISO 8601 time such as "2025-06-01T10:00:00.1234567Z"',
);

// rollout/request.ts
var authMode = oneOf(AUTH_MODES);
function checkRequest(inputs) {
  const { request: r, variables: v } = inputs;
  const problems = [];
  const value = (rule, raw, what, optional2 = false) => {
    if (raw === '') {
      if (!optional2) problems.push(`${what}: is missing; expected ${rule.expected}`);
      return '';
    }
    const checked2 = rule.check(raw, what);
    if ('problems' in checked2) {
      problems.push(...checked2.problems.map((p) => `${p.path}: ${p.message}`));
      return '';
    }
    return checked2.value;
  };
  const variable = (name) => `variable ${name}`;
  const request = {
    modelName: value(modelName, r.modelName, PAYLOAD_KEYS.modelName),
    modelVersion: value(modelVersion, r.modelVersion, PAYLOAD_KEYS.modelVersion),
    environment: value(githubEnvironment, r.environment, PAYLOAD_KEYS.environment),
    eventId: value(eventId, r.eventId, PAYLOAD_KEYS.eventId, true),
    eventTime: value(eventTime, r.eventTime, PAYLOAD_KEYS.eventTime, true),
    resourceGroup: value(
      resourceGroup,
      v.resourceGroup,
      variable(ENVIRONMENT_VARIABLES.resourceGroup),
    ),
    workspace: value(workspaceName, v.workspace, variable(ENVIRONMENT_VARIABLES.workspace)),
    deploymentTargets: v.deploymentTargets,
  };
  value(authMode, v.authMode, variable(ENVIRONMENT_VARIABLES.authMode));
  if (r.workspace !== '') {
    const name = /\/workspaces\/[^/]+$/i.test(r.workspace)
      ? r.workspace.slice(r.workspace.lastIndexOf('/') + 1)
      : r.workspace;
    if ('problems' in workspaceName.check(name, PAYLOAD_KEYS.workspace)) {
      problems.push(
        `${PAYLOAD_KEYS.workspace}: ${show(r.workspace)} is not accepted; expected ${workspaceName.expected}, or the resource id of one (".../workspaces/NAME")`,
      );
    } else if (request.workspace !== '' && name.toLowerCase() !== request.workspace.toLowerCase()) {
      const environment = request.environment ? ` ${request.environment}` : '';
      problems.push(
        `The model was registered in workspace ${name}, but environment${environment} deploys to workspace ${request.workspace}.`,
      );
    }
  }
  if (v.deploymentTargets === '') {
    problems.push(
      `${variable(ENVIRONMENT_VARIABLES.deploymentTargets)}: is empty: this environment has no deployment targets`,
    );
  }
  return problems.length > 0 ? { problems } : { request };
}
var FILE_FIELDS = ['endpointSpec', 'deploymentSpec', 'smokeTestRequest'];
function findTarget(model, deploymentTargets, isFile) {
  const parsed = parseJsonSource(deploymentTargets);
  if ('error' in parsed) return { kind: 'unreadable', reason: parsed.error };
  const document = parsed.value;
  if (!isPlainObject(document)) {
    return { kind: 'unreadable', reason: `${show(document)} is not a JSON object ({...})` };
  }
  if (!Object.hasOwn(document, model)) return { kind: 'none' };
  const { entry, ignored } = withoutUnknownFields(document[model], model);
  const checked2 = publishedTarget.check(entry, model);
  const problems =
    'problems' in checked2 ? checked2.problems.map((p) => `${p.path}: ${p.message}`) : [];
  if (isPlainObject(entry)) {
    for (const field of FILE_FIELDS) {
      const path = entry[field];
      const rule = publishedTarget.fields?.[field]?.rule;
      if (path === void 0 || !rule || 'problems' in rule.check(path, field)) continue;
      if (!isFile(path)) {
        problems.push(
          `${model}.${field}: ${show(path)} does not exist in the repository (commit it, or fix the path in the configuration)`,
        );
      }
    }
  }
  if ('problems' in checked2 || problems.length > 0) return { kind: 'invalid', problems, ignored };
  return { kind: 'found', target: checked2.value, ignored };
}
function withoutUnknownFields(entry, model) {
  const known = publishedTarget.fields;
  if (known === void 0 || !isPlainObject(entry)) return { entry, ignored: [] };
  const isKnown = (key) => Object.hasOwn(known, key);
  return {
    entry: Object.fromEntries(Object.entries(entry).filter(([key]) => isKnown(key))),
    ignored: Object.keys(entry)
      .filter((key) => !isKnown(key))
      .map((key) => fieldPath(model, key)),
  };
}
function fieldPath(model, key) {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${model}.${key}` : `${model}[${show(key)}]`;
}
function ignoredFieldsWarning(ignored) {
  return `Ignored ${ignored.length === 1 ? 'a field' : 'fields'} of the deployment target that this workflow does not know (${ENVIRONMENT_VARIABLES.deploymentTargets}): ${ignored.join(', ')}. The workflow file ${ROLLOUT_PATH} is older than the configuration: it is updated when the environment that commits the workflow deploys, and with workflowDelivery "pull-request" when that pull request is merged.`;
}
function endpointOf(model, deploymentTargets) {
  const parsed = parseJsonSource(deploymentTargets);
  if ('error' in parsed || !isPlainObject(parsed.value) || !Object.hasOwn(parsed.value, model)) {
    return '';
  }
  const entry = parsed.value[model];
  if (!isPlainObject(entry)) return '';
  const checked2 = endpointName.check(entry.endpoint, 'endpoint');
  return 'value' in checked2 ? checked2.value : '';
}

// rollout/run.ts
var PHASES = ['validate', 'deploy', 'not-started'];
var STEP_OUTPUTS = {
  /** "true" when the rollout step should run. */
  proceed: 'proceed',
  /** Epoch seconds, handed to the later steps as ROLLOUT_STARTED_AT. */
  startedAt: 'started_at',
};
function isPhase(value) {
  return PHASES.includes(value);
}
async function runPhase(phase, inputs, deps) {
  const { io } = deps;
  const now = io.now();
  const report = {
    outcome: 'failed',
    modelName: inputs.request.modelName,
    modelVersion: inputs.request.modelVersion,
    environment: inputs.request.environment,
    eventId: inputs.request.eventId,
    eventTime: inputs.request.eventTime,
    endpoint: '',
    deployment: '',
    trafficBefore: '',
    trafficAfter: '',
    deploymentsBefore: '',
    deploymentsAfter: '',
    details: [],
    // deploy and not-started: the start time from validate, so the duration covers sign-in.
    startedAt:
      phase !== 'validate' && /^[0-9]{1,12}$/.test(inputs.startedAt)
        ? Number(inputs.startedAt)
        : now,
  };
  const ctx = new Context(io, report, deps.signal);
  if (phase === 'not-started') {
    report.endpoint = endpointOf(inputs.request.modelName, inputs.variables.deploymentTargets);
    report.details.push(
      'The rollout did not start: signing in to Azure failed, or the run was cancelled before the rollout step. Nothing was changed in Azure ML.',
    );
    io.appendSummary(renderSummary(report, io.now()));
    return 0;
  }
  if (phase === 'validate') io.setOutput(STEP_OUTPUTS.startedAt, String(report.startedAt));
  let exitCode = 0;
  try {
    const { request, target } = checked(ctx, inputs, phase);
    if (phase === 'validate') {
      report.outcome = 'proceeding';
      ctx.log(
        `Request valid: ${request.modelName} version ${request.modelVersion} goes to endpoint ${target.endpoint} as deployment ${report.deployment}.`,
      );
    } else {
      const ml = new AzureMl(deps.az, request, (line) =>
        io.err(`${oneLine(line)}
`),
      );
      await deploy(ctx, ml, request, target, inputs.eventName === 'repository_dispatch');
    }
  } catch (error) {
    exitCode = ctx.stopFor(error).exitCode;
  }
  if (phase === 'validate') {
    io.setOutput(STEP_OUTPUTS.proceed, String(report.outcome === 'proceeding'));
  }
  if (report.outcome !== 'proceeding') io.appendSummary(renderSummary(report, io.now()));
  return exitCode;
}
function checked(ctx, inputs, phase) {
  const { report } = ctx;
  const result = checkRequest(inputs);
  if ('problems' in result) {
    ctx.fail(
      [
        'The request was rejected before any Azure call:',
        ...result.problems.map((p) => `- ${p}`),
      ].join('\n'),
    );
  }
  const { request } = result;
  const lookup = findTarget(request.modelName, request.deploymentTargets, (path) =>
    ctx.io.isFile(path),
  );
  if ((lookup.kind === 'found' || lookup.kind === 'invalid') && lookup.ignored.length > 0) {
    const warning = ignoredFieldsWarning(lookup.ignored);
    if (phase === 'validate') ctx.annotate('warning', warning);
    else ctx.log(warning);
  }
  switch (lookup.kind) {
    case 'unreadable':
      return ctx.fail(
        `Variable ${ENVIRONMENT_VARIABLES.deploymentTargets} cannot be read: ${lookup.reason}`,
      );
    case 'none':
      return ctx.skip(
        `No deployment target for model ${request.modelName} in environment ${request.environment} (${ENVIRONMENT_VARIABLES.deploymentTargets} has none): nothing to deploy.`,
      );
    case 'invalid':
      return ctx.fail(
        [
          `The deployment target of model ${request.modelName} is invalid (${ENVIRONMENT_VARIABLES.deploymentTargets}):`,
          ...lookup.problems.map((p) => `- ${p}`),
        ].join('\n'),
      );
    case 'found':
      report.endpoint = lookup.target.endpoint;
      report.deployment = deploymentName(request.modelVersion);
      return { request, target: lookup.target };
  }
}

// rollout/main.ts
async function main(argv) {
  const phase = argv[0] ?? '';
  if (argv.length !== 1 || !isPhase(phase)) {
    process.stderr.write(`usage: rollout.js ${PHASES.join(' | ')}
`);
    return 2;
  }
  const cancel = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (cancel.signal.aborted) return;
      cancel.abort();
      process.stderr.write(
        `The run was cancelled (${signal}): the az command under way finishes, then the rollout stops and undoes its changes, if any.
`,
      );
    });
  }
  return runPhase(phase, readInputs(process.env), {
    io: gitHubIo({
      summaryFile: process.env[GITHUB_VARIABLES.stepSummary] || void 0,
      outputFile: process.env[GITHUB_VARIABLES.output] || void 0,
      root: process.cwd(),
      stdout: (text2) => process.stdout.write(text2),
      stderr: (text2) => process.stderr.write(text2),
    }),
    az: execAz((text2) => process.stderr.write(text2)),
    signal: cancel.signal,
  });
}
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}
`,
    );
    process.exitCode = 1;
  },
);
