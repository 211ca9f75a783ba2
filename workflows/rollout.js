// Generated from the rollout/ sources of aml-deploy-pipeline (entry rollout/main.ts) by
// esbuild and prettier. Do not edit: edit rollout/ there and rebuild with
// `npm run build:rollout`. aml-deploy-pipeline commits it to
// .github/workflows/aml-deploy/rollout.js, where the next deploy overwrites any change.
// Usage: node rollout.js validate | deploy | restore (docs/rollout.md there).
/* eslint-disable -- generated: the sources in rollout/ are linted */
'use strict';

// rollout/main.ts
var import_node_os = require('node:os');
var import_node_path3 = require('node:path');

// rollout/az.ts
var import_node_child_process = require('node:child_process');
var ML_EXTENSION_VERSION = '2.44.1';
var STDERR_TAIL = 2e3;
function execAz(stderr, command = 'az') {
  return {
    run: (args, signal, onProcess = () => void 0) =>
      new Promise((resolve2) => {
        const child = (0, import_node_child_process.spawn)(command, [...args], {
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let tail = '';
        const stop = () => {
          if (child.pid !== void 0) killGroup(child.pid, 'SIGINT');
        };
        onProcess(child.pid);
        signal?.addEventListener('abort', stop, { once: true });
        child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk) => {
          stderr(chunk);
          tail = (tail + chunk).slice(-STDERR_TAIL);
        });
        child.on('error', (error) => {
          signal?.removeEventListener('abort', stop);
          resolve2({ ok: false, reason: error.message, stderr: tail });
        });
        child.on('close', (code) => {
          signal?.removeEventListener('abort', stop);
          onProcess(void 0);
          if (signal?.aborted) {
            resolve2({
              ok: false,
              reason: 'stopped: the run was cancelled',
              stderr: tail,
              cancelled: true,
            });
          } else if (code === 0) resolve2({ ok: true, stdout });
          else
            resolve2({
              ok: false,
              reason: `exit status ${code}`,
              exitCode: code ?? void 0,
              stderr: tail,
            });
        });
      }),
  };
}
function killGroup(processGroup, signal) {
  try {
    process.kill(-processGroup, signal);
  } catch {}
}
function parseJson(stdout) {
  try {
    return { value: JSON.parse(stdout) };
  } catch (e) {
    return { error: `az printed no valid JSON (${e.message})` };
  }
}
function isNotFound(result) {
  return !result.ok && (result.exitCode === 3 || /\bResourceNotFound\b/.test(result.stderr));
}
function signInExpired(result) {
  return !result.ok && /AADSTS700024|AADSTS700027|Please run ['"]?az login/.test(result.stderr);
}
function failureReason(result) {
  if (result.ok) return '';
  const lines = result.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const error = [...lines].reverse().find((line) => /error|AADSTS|\(\w+\)/i.test(line));
  return (error ?? lines.at(-1) ?? result.reason).slice(0, 300);
}
function shellWord(arg) {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
var SECRET_OPTIONS = /* @__PURE__ */ new Set(['--federated-token', '--password']);
function shownCommand(args) {
  const shown = args.map((arg, i) => (SECRET_OPTIONS.has(args[i - 1]) ? '***' : shellWord(arg)));
  return `+ az ${shown.join(' ')}`;
}
function tagArgs(tags2) {
  return Object.entries(tags2).map(([name, value]) => `tags.${name}=${value}`);
}
var AzureMl = class {
  constructor(az, scope, show2, signal, onProcess) {
    this.az = az;
    this.scope = scope;
    this.show = show2;
    this.signal = signal;
    this.onProcess = onProcess;
  }
  az;
  scope;
  show;
  signal;
  onProcess;
  /** A fresh sign-in of the deploy identity (the CLI cannot renew a federated one). */
  signIn(clientId, tenantId, credential) {
    const secret =
      credential.kind === 'federated-token'
        ? ['--federated-token', credential.token]
        : ['--password', credential.secret];
    return this.call([
      'login',
      '--service-principal',
      '--username',
      clientId,
      '--tenant',
      tenantId,
      ...secret,
      '--output',
      'none',
      '--only-show-errors',
    ]);
  }
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
  /** In the workspace, or with `registry` in that registry (found by name, in any subscription). */
  showModel(name, version, registry) {
    const where = registry === void 0 ? [] : ['--registry-name', registry];
    return this.ml([
      'model',
      'show',
      '--name',
      name,
      '--version',
      version,
      ...where,
      '--output',
      'none',
    ]);
  }
  /**
   * Copies a workspace model version into a registry under the same name and version (the
   * service copies the files). Not idempotent: an existing version fails it with exit 1.
   * `--share-with-*` are required by the command's signature (azext_mlv2 custom/model.py
   * ml_model_share), though Microsoft Learn calls them optional.
   */
  shareModel(name, version, registry) {
    return this.ml([
      'model',
      'share',
      '--name',
      name,
      '--version',
      version,
      '--share-with-name',
      name,
      '--share-with-version',
      version,
      '--registry-name',
      registry,
    ]);
  }
  /** The registry (`replication_locations` says where its assets can be used). */
  showRegistry(name, resourceGroup2, subscriptionId) {
    return this.call([
      'ml',
      'registry',
      'show',
      '--name',
      name,
      '--resource-group',
      resourceGroup2,
      '--subscription',
      subscriptionId,
      '--output',
      'json',
      '--only-show-errors',
    ]);
  }
  /** The environment's workspace (its `location`). */
  showWorkspace() {
    return this.call([
      'ml',
      'workspace',
      'show',
      '--name',
      this.scope.workspace,
      '--resource-group',
      this.scope.resourceGroup,
      '--subscription',
      this.scope.subscriptionId,
      '--output',
      'json',
      '--only-show-errors',
    ]);
  }
  /** Fails with exit status 3 when the endpoint is missing (see isNotFound). */
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
      'none',
    ]);
  }
  /** The deployments that exist: a missing one is simply not listed (its `show` exits 1). */
  listDeployments(endpoint) {
    return this.ml(['online-deployment', 'list', '--endpoint-name', endpoint, '--output', 'json']);
  }
  /** Creates a deployment of `model` with these tags (set at creation; never updated later). */
  createDeployment(deployment, endpoint, file, model, tags2) {
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
      `model=${model}`,
      ...tagArgs(tags2),
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
  /**
   * One update of the endpoint: the traffic (in the only form the CLI takes, "a=90 b=10"),
   * its tags, or both in the same request, so that a traffic change and the journal entry
   * that describes it land together.
   */
  updateEndpoint(endpoint, change) {
    const traffic = change.traffic === void 0 ? [] : ['--traffic', change.traffic];
    const tags2 = change.tags === void 0 ? [] : ['--set', ...tagArgs(change.tags)];
    return this.ml([
      'online-endpoint',
      'update',
      '--name',
      endpoint,
      ...traffic,
      ...tags2,
      '--output',
      'none',
    ]);
  }
  /** `wait: false` returns once Azure accepted the delete (the restore step has minutes). */
  deleteDeployment(deployment, endpoint, wait = true) {
    return this.ml([
      'online-deployment',
      'delete',
      '--name',
      deployment,
      '--endpoint-name',
      endpoint,
      '--yes',
      ...(wait ? [] : ['--no-wait']),
    ]);
  }
  /** The arguments that make a command act on the environment's workspace. */
  scopeArgs() {
    return [
      '--subscription',
      this.scope.subscriptionId,
      '--resource-group',
      this.scope.resourceGroup,
      '--workspace-name',
      this.scope.workspace,
    ];
  }
  ml(args) {
    return this.call(['ml', ...args, ...this.scopeArgs(), '--only-show-errors']);
  }
  call(args) {
    this.show(shownCommand(args));
    return this.az.run(args, this.signal, this.onProcess);
  }
};

// rollout/github-io.ts
var import_node_fs = require('node:fs');
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
      const at = this.i;
      const key = this.string();
      const first = lines.get(key);
      if (first !== void 0) {
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
function optional(rule, descriptionOrOpts, moreOpts = {}) {
  const [description, opts] =
    typeof descriptionOrOpts === 'object'
      ? [void 0, descriptionOrOpts]
      : [descriptionOrOpts, moreOpts];
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
            ...(f.description === void 0 ? {} : { description: f.description }),
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

// lib/deployment-target.ts
var import_node_path = require('node:path');
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
            `a path ending in ${ends}, such as "deploy/${(0, import_node_path.basename)(s, (0, import_node_path.extname)(s)) || 'file'}${extensions[0]}"`,
        },
      ],
    },
  );
}
var TARGET_FIELDS = {
  endpoint: required(endpointName),
  endpointSpec: required(repoPath(['.yml', '.yaml'])),
  deploymentSpec: required(repoPath(['.yml', '.yaml'])),
  smokeTestRequest: optional(repoPath(['.json']), { defaultText: 'no smoke test' }),
  canaryPercent: optional(integer(0, 99), { default: 0 }),
  observeMinutes: optional(integer(0, 30), { default: 0 }),
  keepDeployments: optional(integer(1, 10), { default: 1 }),
};
var publishedTarget = object(TARGET_FIELDS);

// lib/dispatch-contract.ts
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
var WORKSPACE_REFERENCE = `${workspaceName.expected}, or the resource id of one (".../workspaces/NAME")`;
var workspaceReference = {
  expected: WORKSPACE_REFERENCE,
  json: { type: 'string' },
  check: (value, path) => {
    const raw = typeof value === 'string' ? value : '';
    const name = /\/workspaces\/[^/]+$/i.test(raw) ? raw.slice(raw.lastIndexOf('/') + 1) : raw;
    const checked2 = workspaceName.check(name, path);
    return 'value' in checked2 ? checked2 : problem(path, value, WORKSPACE_REFERENCE);
  },
};
var PAYLOAD = {
  modelName: {
    key: 'model_name',
    variable: 'MODEL_NAME',
    rule: modelName,
    required: true,
    source: { data: ['modelName', 'ModelName'] },
    promotedAs: 'checked',
    summary: 'Model',
    inputType: 'string',
  },
  modelVersion: {
    key: 'model_version',
    variable: 'MODEL_VERSION',
    rule: modelVersion,
    required: true,
    source: { data: ['modelVersion', 'ModelVersion'] },
    promotedAs: 'checked',
    summary: 'Version',
    inputType: 'string',
  },
  environment: {
    key: 'environment',
    variable: 'DEPLOY_ENVIRONMENT',
    rule: githubEnvironment,
    required: true,
    source: { setting: 'environment' },
    promotedAs: 'next',
    summary: 'Environment',
    inputType: 'environment',
  },
  eventId: {
    key: 'event_id',
    variable: 'EVENT_ID',
    rule: eventId,
    required: false,
    source: { event: 'id' },
    promotedAs: 'event',
    summary: 'Event',
    inputType: 'string',
  },
  eventTime: {
    key: 'event_time',
    variable: 'EVENT_TIME',
    rule: eventTime,
    required: false,
    source: { event: 'eventTime' },
    promotedAs: 'event',
    summary: 'Event time',
    inputType: 'string',
  },
  eventWorkspace: {
    key: 'workspace',
    variable: 'EVENT_WORKSPACE',
    rule: workspaceReference,
    required: false,
    source: { setting: 'workspace' },
    promotedAs: 'own',
    inputType: 'string',
  },
};
var PAYLOAD_KEYS = Object.fromEntries(
  Object.entries(PAYLOAD).map(([name, field]) => [name, field.key]),
);
var HANDED_ON = Object.keys(PAYLOAD).filter(
  (name) => name === 'environment' || PAYLOAD[name].promotedAs === 'checked',
);
function payloadFields() {
  return Object.entries(PAYLOAD);
}

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
  cancelled: '⏹️ cancelled',
  proceeding: '❌ failed',
};
var RUN_URL = /^https:\/\/[A-Za-z0-9.-]+\/[A-Za-z0-9-]+\/[A-Za-z0-9._-]+\/actions\/runs\/[0-9]+$/;
function promotedRow(report) {
  if (report.promotedFrom === '') return '| Promoted from | – |';
  const stage = `<code>${markdownText(quote(report.promotedFrom).slice(1, -1))}</code>`;
  const link = RUN_URL.test(report.promotedFromUrl)
    ? ` in <a href="${report.promotedFromUrl}">run ${report.promotedFromUrl.split('/').at(-1)}</a>`
    : ' (by hand)';
  return `| Promoted from | ${stage}${link} |`;
}
function renderSummary(report, now) {
  const row = (label, value) =>
    value === ''
      ? `| ${label} | – |`
      : // A value stays on one line of its cell: control characters as JSON escapes.
        `| ${label} | <code>${markdownText(quote(value).slice(1, -1))}</code> |`;
  const lines = [
    `## Azure ML rollout: ${TITLES[report.outcome]}`,
    '',
    '| Item | Value |',
    '| --- | --- |',
    ...payloadFields().flatMap(([name, field]) =>
      field.summary === void 0 ? [] : [row(field.summary, report.request[name])],
    ),
    row('Endpoint', report.endpoint),
    row('Deployment', report.deployment),
    row('Source', report.source),
    promotedRow(report),
    row('Traffic before', report.trafficBefore),
    row('Traffic after', report.trafficAfter),
    row('Deployments before', report.deploymentsBefore),
    row('Deployments after', report.deploymentsAfter),
    `| Outcome | ${report.outcome === 'proceeding' ? 'failed' : report.outcome} |`,
    `| Duration | ${duration(now - report.startedAt)} |`,
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

// rollout/session.ts
var ID_TOKEN_AUDIENCE = 'api://AzureADTokenExchange';
async function credentialFor(request, source) {
  if (request.authMode === 'client-secret') {
    let secret;
    try {
      secret = JSON.parse(source.credentials).clientSecret;
    } catch {
      secret = void 0;
    }
    return typeof secret === 'string' && secret !== ''
      ? { credential: { kind: 'client-secret', secret } }
      : { error: 'the AZURE_CREDENTIALS secret is missing or holds no "clientSecret"' };
  }
  try {
    return { credential: { kind: 'federated-token', token: await source.idToken() } };
  } catch (e) {
    return {
      error: `GitHub gave no OIDC token (${e.message}); the job needs "permissions: id-token: write"`,
    };
  }
}
async function signIn(ctx, azure, request, source) {
  const credential = await credentialFor(request, source);
  ctx.checkCancelled();
  if ('error' in credential) ctx.fail(`Signing in to Azure failed: ${credential.error}.`);
  const result = await azure.signIn(request.clientId, request.tenantId, credential.credential);
  ctx.checkCancelled();
  if (!result.ok) {
    ctx.fail(
      `Signing in to Azure as ${request.clientId} (${request.authMode}) failed: ${failureReason(result)}.`,
    );
  }
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
      (0, import_node_fs.statSync)((0, import_node_path2.resolve)(root, path), {
        throwIfNoEntry: false,
      })?.isFile() ?? false,
  };
}
var JOURNAL_FILE = 'aml-deploy-rollout-journal.json';
function fileJournal(path) {
  return {
    read: () => {
      if (!(0, import_node_fs.existsSync)(path)) return void 0;
      return JSON.parse((0, import_node_fs.readFileSync)(path, 'utf8'));
    },
    write: (journal) => {
      (0, import_node_fs.writeFileSync)(`${path}.new`, JSON.stringify(journal));
      (0, import_node_fs.renameSync)(`${path}.new`, path);
    },
  };
}
var realClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve2) => {
      if (signal?.aborted) return resolve2();
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve2();
      }
    }),
};
async function gitHubIdToken(requestUrl, requestToken, cancel, request = fetch) {
  if (!requestUrl || !requestToken) {
    throw new Error('ACTIONS_ID_TOKEN_REQUEST_URL is not set');
  }
  const url = `${requestUrl}&audience=${encodeURIComponent(ID_TOKEN_AUDIENCE)}`;
  const response = await request(url, {
    headers: { Authorization: `Bearer ${requestToken}`, Accept: 'application/json' },
    signal: AbortSignal.any([AbortSignal.timeout(3e4), ...(cancel ? [cancel] : [])]),
  });
  if (!response.ok) throw new Error(`GitHub answered HTTP ${response.status}`);
  const body = await response.json();
  if (typeof body.value !== 'string' || body.value === '')
    throw new Error('no token in the answer');
  return body.value;
}

// lib/workflow-contract.ts
var COMMITTED_FILES = [
  { source: 'workflows/deploy-model.yml', path: '.github/workflows/aml-deploy-model.yml' },
  // One stage, which the deploy workflow calls for the first environment and each promotion.
  { source: 'workflows/deploy-stage.yml', path: '.github/workflows/aml-deploy-stage.yml' },
  // Generated from rollout/ (npm run build:rollout); runs on the Node.js the workflow sets up.
  { source: 'workflows/rollout.js', path: '.github/workflows/aml-deploy/rollout.js' },
];
var DEPLOY_WORKFLOW_PATH = COMMITTED_FILES[0].path;
var ROLLOUT_PATH = COMMITTED_FILES[2].path;
var STAGE_WORKFLOW_PATH = COMMITTED_FILES[1].path;
var VARIABLE_NAMES = {
  authMode: 'AZURE_AUTH_MODE',
  clientId: 'AZURE_CLIENT_ID',
  tenantId: 'AZURE_TENANT_ID',
  subscriptionId: 'AZURE_SUBSCRIPTION_ID',
  resourceGroup: 'AML_RESOURCE_GROUP',
  workspace: 'AML_WORKSPACE',
  deploymentTargets: 'AML_DEPLOYMENT_TARGETS',
  /** JSON (lib/promotion.ts promotionDocument), or "": where a passing version goes next. */
  promotion: 'AML_PROMOTION',
  /** JSON (lib/promotion.ts promotedFromDocument), or "": what feeds this environment. */
  promotedFrom: 'AML_PROMOTED_FROM',
};
var GITHUB_VARIABLE_MAX_BYTES = 48 * 1024;
var SECRET_NAMES = {
  /** JSON `{clientId, clientSecret, subscriptionId, tenantId}`, the shape azure/login's `creds` reads. */
  azureCredentials: 'AZURE_CREDENTIALS',
};

// rollout/inputs.ts
var REQUEST_VARIABLES = Object.fromEntries(
  payloadFields().map(([name, field]) => [name, field.variable]),
);
var ENVIRONMENT_VARIABLES = {
  authMode: VARIABLE_NAMES.authMode,
  clientId: VARIABLE_NAMES.clientId,
  tenantId: VARIABLE_NAMES.tenantId,
  subscriptionId: VARIABLE_NAMES.subscriptionId,
  resourceGroup: VARIABLE_NAMES.resourceGroup,
  workspace: VARIABLE_NAMES.workspace,
  deploymentTargets: VARIABLE_NAMES.deploymentTargets,
  promotion: VARIABLE_NAMES.promotion,
  promotedFrom: VARIABLE_NAMES.promotedFrom,
};
var PROMOTION_INPUTS = {
  /** The stage that passed the version on (its GitHub environment), for a promotion. */
  promotedFrom: { key: 'promoted_from', variable: 'PROMOTED_FROM' },
  /** "true" when a promotion job of the same workflow run passed the version on. */
  promotedInRun: { key: 'promoted_in_run', variable: 'PROMOTED_IN_RUN' },
};
var PROMOTED_FROM_VARIABLE = PROMOTION_INPUTS.promotedFrom.variable;
var PROMOTED_IN_RUN_VARIABLE = PROMOTION_INPUTS.promotedInRun.variable;
var STARTED_AT_VARIABLE = 'ROLLOUT_STARTED_AT';
var CREDENTIALS_VARIABLE = SECRET_NAMES.azureCredentials;
var GITHUB_VARIABLES = {
  /** `repository_dispatch` (an event from the pipeline) or `workflow_dispatch` (a person). */
  eventName: 'GITHUB_EVENT_NAME',
  output: 'GITHUB_OUTPUT',
  stepSummary: 'GITHUB_STEP_SUMMARY',
  /** The run and its attempt: "Re-run failed jobs" keeps the id and counts the attempt. */
  runId: 'GITHUB_RUN_ID',
  runAttempt: 'GITHUB_RUN_ATTEMPT',
  serverUrl: 'GITHUB_SERVER_URL',
  repository: 'GITHUB_REPOSITORY',
  /** The job's temporary folder, emptied at its start and end: the journal file's home. */
  runnerTemp: 'RUNNER_TEMP',
  /** Set on every step when the job may request an OIDC token (`id-token: write`). */
  idTokenUrl: 'ACTIONS_ID_TOKEN_REQUEST_URL',
  idTokenRequestToken: 'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
};
function readInputs(env) {
  const pick = (names) =>
    Object.fromEntries(Object.entries(names).map(([k, name]) => [k, env[name] ?? '']));
  return {
    request: pick(REQUEST_VARIABLES),
    variables: pick(ENVIRONMENT_VARIABLES),
    startedAt: env[STARTED_AT_VARIABLE] ?? '',
    promotedFrom: env[PROMOTED_FROM_VARIABLE] ?? '',
    promotedInRun: env[PROMOTED_IN_RUN_VARIABLE] === 'true',
    eventName: env[GITHUB_VARIABLES.eventName] ?? '',
    credentials: env[CREDENTIALS_VARIABLE] ?? '',
    run: {
      id: env[GITHUB_VARIABLES.runId] ?? '',
      attempt: env[GITHUB_VARIABLES.runAttempt] ?? '',
      serverUrl: env[GITHUB_VARIABLES.serverUrl] ?? '',
      repository: env[GITHUB_VARIABLES.repository] ?? '',
    },
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
  constructor(io, report, clock, signal) {
    this.io = io;
    this.report = report;
    this.clock = clock;
    this.signal = signal;
  }
  io;
  report;
  clock;
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
  get cancelled() {
    return this.signal?.aborted ?? false;
  }
  /** Ends the run as cancelled if it was: called after every Azure call and wait. */
  checkCancelled() {
    if (this.cancelled) {
      this.report.outcome = 'cancelled';
      this.report.details.push('The run was cancelled, or its step timed out.');
      throw new Stop(CANCELLED_EXIT_CODE);
    }
  }
  /** Epoch seconds, for the summary. */
  nowSeconds() {
    return Math.floor(this.clock.now() / 1e3);
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
function provisioningState(value) {
  return typeof value === 'string' ? (value.split('.').at(-1) ?? '').toLowerCase() : '';
}
var IN_FLIGHT = /* @__PURE__ */ new Set(['creating', 'updating', 'scaling', 'deleting']);
function inFlight(state) {
  return IN_FLIGHT.has(state);
}
function parseModelRef(model) {
  if (typeof model !== 'string') return void 0;
  const short = /^azureml:([^:/]+):([^:/]+)$/.exec(model);
  if (short) return { name: short[1], version: short[2] };
  const path = /\/(?:workspaces|registries)\/[^/]+\/models\/([^/]+)\/versions\/([^/]+)$/.exec(
    model,
  );
  return path ? { name: path[1], version: path[2] } : void 0;
}
function readTags(tags2) {
  if (!isPlainObject(tags2)) return {};
  return Object.fromEntries(Object.entries(tags2).filter((entry) => typeof entry[1] === 'string'));
}
function readTraffic(raw) {
  if (!isPlainObject(raw)) return { error: `the endpoint's "traffic" is not a JSON object` };
  const traffic = /* @__PURE__ */ new Map();
  for (const [name, share3] of Object.entries(raw)) {
    const value = typeof share3 === 'string' && /^\d{1,3}$/.test(share3) ? Number(share3) : share3;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) {
      return { error: `the traffic share of ${JSON.stringify(name)} is ${JSON.stringify(share3)}` };
    }
    traffic.set(name, value);
  }
  return traffic;
}
function readEndpointState(endpoint, deployments) {
  if (!isPlainObject(endpoint)) return { error: 'the endpoint is not a JSON object' };
  const traffic = readTraffic(endpoint.traffic ?? {});
  if ('error' in traffic) return traffic;
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
      state: provisioningState(d.provisioning_state),
      tags: readTags(d.tags),
    });
  }
  const state = provisioningState(endpoint.provisioning_state);
  return { state: { traffic, deployments: read, state, tags: readTags(endpoint.tags) } };
}
function planRollout(state, request) {
  const before = {
    traffic: state.traffic,
    deployments: state.deployments.map((d) => d.label),
  };
  const early = refusal(state, request, before);
  if (early) return early;
  const reusable = reusableDeployment(state, request);
  if (!reusable) {
    const broken = state.deployments.find((d) => runsVersion(d, request));
    if (broken) {
      return { kind: 'not-provisioned', before, deployment: broken.name, state: broken.state };
    }
  }
  const target = reusable?.name ?? deploymentName(request.version);
  const cleanup2 = cleanupOf(state, request, target);
  const owned = !reusable || reusable.name === request.provisional;
  const steps = stepsOf(state.traffic, request, target, !reusable, owned, cleanup2);
  const final = steps.find((s) => s.kind === 'traffic' && s.what === 'final');
  const restore2 = new Map(state.traffic);
  if (!restore2.has(target)) restore2.set(target, 0);
  return {
    kind: 'roll-out',
    before,
    deployment: target,
    create: !reusable,
    owned,
    steps,
    restore: restore2,
    cleanup: cleanup2,
    after: afterRollout(
      state,
      request,
      target,
      final?.kind === 'traffic' ? final.traffic : restore2,
      cleanup2,
    ),
  };
}
var ours = (d, request) => d.model?.name === request.model;
var runsVersion = (d, request) => ours(d, request) && d.model?.version === request.version;
var share = (traffic, d) => traffic.get(d) ?? 0;
function refusal(state, request, before) {
  const serving2 = state.deployments.find(
    (d) => runsVersion(d, request) && share(state.traffic, d.name) === 100,
  );
  if (serving2) {
    const cleanup2 = cleanupOf(state, request, serving2.name);
    return { kind: 'unchanged', before, deployment: serving2.name, cleanup: cleanup2 };
  }
  const newest = Math.max(
    -1,
    ...state.deployments
      .filter(
        (d) =>
          ours(d, request) &&
          share(state.traffic, d.name) > 0 &&
          /^[0-9]{1,15}$/.test(d.model?.version ?? ''),
      )
      .map((d) => Number(d.model?.version)),
  );
  if (request.neverDowngrade && newest > Number(request.version)) {
    return { kind: 'stale', before, servingVersion: newest };
  }
  const name = deploymentName(request.version);
  const taken = state.deployments.find((d) => d.name === name && !runsVersion(d, request));
  if (taken) return { kind: 'name-taken', before, deployment: name, label: taken.label };
  return void 0;
}
function reusableDeployment(state, request) {
  const name = deploymentName(request.version);
  return state.deployments
    .filter((d) => runsVersion(d, request) && (d.state === '' || d.state === 'succeeded'))
    .sort(
      (a, b) =>
        share(state.traffic, b.name) - share(state.traffic, a.name) ||
        Number(b.name === name) - Number(a.name === name) ||
        compare(a.name, b.name),
    )[0];
}
function cleanupOf(state, request, target) {
  const previous = state.deployments.filter(
    (d) => d.name !== target && share(state.traffic, d.name) > 0,
  );
  const spare = Math.max(request.keepDeployments - previous.length, 0);
  return state.deployments
    .filter((d) => d.name !== target && share(state.traffic, d.name) === 0 && ours(d, request))
    .sort((a, b) => versionNumber(b) - versionNumber(a) || compare(a.name, b.name))
    .slice(spare)
    .map((d) => d.name);
}
var READ_ONLY = 'read only: nothing to undo (a smoke test, or waiting while the canary serves)';
function stepsOf(before, request, target, create, owned, cleanup2) {
  const steps = [];
  const deleteTarget = owned
    ? { kind: 'delete-deployment', deployment: target }
    : { kind: 'none', why: `${target} existed before this run: it is kept` };
  if (create) steps.push({ kind: 'create', deployment: target, undo: deleteTarget });
  if (request.smokeTest) {
    steps.push({ kind: 'smoke-test', deployment: target, undo: { kind: 'none', why: READ_ONLY } });
  }
  const canary = canaryTraffic(before, target, request.canaryPercent);
  if (canary) {
    steps.push({
      kind: 'traffic',
      what: 'canary',
      traffic: canary,
      undo: { kind: 'restore-traffic' },
    });
    steps.push({
      kind: 'observe',
      minutes: request.observeMinutes,
      traffic: canary,
      undo: { kind: 'none', why: READ_ONLY },
    });
  }
  const final = new Map([...before].map(([d]) => [d, 0]));
  final.set(target, 100);
  steps.push({ kind: 'traffic', what: 'final', traffic: final, undo: { kind: 'restore-traffic' } });
  if (cleanup2.length > 0) steps.push(cleanupStep(cleanup2));
  if (request.shareTo !== void 0) {
    const why = 'a version in the registry serves nothing; the next stage may need it';
    steps.push({ kind: 'share', registry: request.shareTo, undo: { kind: 'none', why } });
  }
  return steps;
}
function cleanupStep(deployments) {
  const why = 'only deployments without traffic, once the new one serves everything';
  return { kind: 'cleanup', deployments, undo: { kind: 'none', why } };
}
function afterRollout(state, request, target, final, cleanup2) {
  const names = [.../* @__PURE__ */ new Set([...state.deployments.map((d) => d.name), target])]
    .filter((d) => !cleanup2.includes(d))
    .sort(compare);
  const labels = new Map(state.deployments.map((d) => [d.name, d.label]));
  return {
    traffic: without(final, cleanup2),
    deployments: names.map((d) => labels.get(d) ?? `${d} (${request.model}:${request.version})`),
  };
}
function canaryTraffic(before, target, percent) {
  const targetShare = before.get(target) ?? 0;
  const others = [...before].filter(([d]) => d !== target);
  const othersTotal = others.reduce((sum, [, s]) => sum + s, 0);
  if (percent <= 0 || othersTotal <= 0 || targetShare >= percent) return void 0;
  const canary = /* @__PURE__ */ new Map([[target, percent]]);
  let left = percent - targetShare;
  for (const [d, s] of others.sort((a, b) => b[1] - a[1] || compare(a[0], b[0]))) {
    const take = Math.min(s, left);
    canary.set(d, s - take);
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
    .map(([d, s]) => `${d}=${s}`)
    .join(' ');
}
function serving(traffic) {
  return new Map([...traffic].filter(([, s]) => s > 0));
}
function versionNumber(d) {
  const version = d.model?.version ?? '';
  return /^\d{1,15}(?:\.\d+)?$/.test(version) ? Number(version) : 0;
}
function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

// rollout/azure-state.ts
var POLL_MS = 15e3;
var SIGN_IN_MAX_AGE_MS = 4 * 6e4;
async function freshSignIn(r) {
  await signIn(r.ctx, r.azure, r.request, r.credentials);
  r.signedInAt = r.ctx.clock.now();
}
async function keepSignedIn(r) {
  if (r.signedInAt === void 0 || r.ctx.clock.now() - r.signedInAt > SIGN_IN_MAX_AGE_MS) {
    await freshSignIn(r);
  }
}
async function call(r, command, stillNeeded = () => Promise.resolve(true)) {
  const result = await command(r.azure);
  r.ctx.checkCancelled();
  if (result.ok || !signInExpired(result)) return result;
  r.ctx.log('The sign-in expired: signing in again.');
  await freshSignIn(r);
  if (!(await stillNeeded())) return result;
  r.ctx.log('Trying once more.');
  const again = await command(r.azure);
  r.ctx.checkCancelled();
  return again;
}
async function readEndpoint(r) {
  const { endpoint } = r.target;
  const shown = await call(r, (azure) => azure.showEndpoint(endpoint));
  if (!shown.ok && isNotFound(shown)) return void 0;
  if (!shown.ok) {
    r.ctx.fail(`Reading endpoint ${endpoint} failed: ${failureReason(shown)}`);
  }
  const listed = await call(r, (azure) => azure.listDeployments(endpoint));
  if (!listed.ok) {
    r.ctx.fail(`Listing the deployments of endpoint ${endpoint} failed: ${failureReason(listed)}`);
  }
  const endpointJson = parseJson(shown.stdout);
  const deploymentsJson = parseJson(listed.stdout);
  const read =
    'error' in endpointJson
      ? endpointJson
      : 'error' in deploymentsJson
        ? deploymentsJson
        : readEndpointState(endpointJson.value, deploymentsJson.value);
  if ('error' in read)
    r.ctx.fail(`The state of endpoint ${endpoint} could not be read: ${read.error}`);
  return read.state;
}
async function waitFor(r, what, minutes, until) {
  const deadline = r.ctx.clock.now() + minutes * 6e4;
  for (;;) {
    await keepSignedIn(r);
    const state = await readEndpoint(r);
    if (!state) return r.ctx.fail(`Endpoint ${r.target.endpoint} no longer exists.`);
    if (until(state)) return state;
    if (r.ctx.clock.now() >= deadline) {
      return r.ctx.fail(`Waited ${minutes} minutes for ${what}; Azure still reports it under way.`);
    }
    r.ctx.log(`Waiting for ${what}.`);
    await r.ctx.clock.sleep(POLL_MS, r.ctx.signal);
    r.ctx.checkCancelled();
  }
}
function quiet(state) {
  return !inFlight(state.state) && !state.deployments.some((d) => inFlight(d.state));
}
function deploymentOf(state, name) {
  return state.deployments.find((d) => d.name === name);
}

// rollout/journal.ts
var ROLLOUT_TAG = 'aml-deploy-rollout';
var TAG_VALUE_MAX = 256;
var RECORD =
  /^v1 (\d{1,20}\.\d{1,5}) (begun|done) ([A-Za-z][A-Za-z0-9-]{2,31}) ([01]) (-|\S+) (-|\S+)$/;
var SHARE = /^([A-Za-z][A-Za-z0-9-]{2,31}):(\d{1,3})$/;
function sharesText(traffic) {
  const shares = [...(traffic ?? [])]
    .filter(([, share3]) => share3 > 0)
    .sort((a, b) => compare(a[0], b[0]))
    .map(([d, share3]) => `${d}:${share3}`)
    .join(',');
  return shares || '-';
}
function readShares(text2) {
  const traffic = /* @__PURE__ */ new Map();
  for (const item of text2 === '-' ? [] : text2.split(',')) {
    const share3 = SHARE.exec(item);
    if (!share3 || Number(share3[2]) > 100) return { error: `tag ${ROLLOUT_TAG} has a bad share` };
    traffic.set(share3[1], Number(share3[2]));
  }
  const total = [...traffic.values()].reduce((sum, s) => sum + s, 0);
  if (traffic.size > 0 && total !== 100) {
    return { error: `tag ${ROLLOUT_TAG}: its shares add up to ${total}, not 100` };
  }
  return traffic;
}
function encodeRecord(record2) {
  const { run, state, target, owned } = record2;
  return `v1 ${run} ${state} ${target} ${owned ? 1 : 0} ${sharesText(record2.before)} ${sharesText(record2.shifted)}`;
}
function decodeRecord(value) {
  const m = RECORD.exec(value);
  if (!m) return { error: `tag ${ROLLOUT_TAG} is not a record this rollout wrote` };
  const before = readShares(m[5]);
  if ('error' in before) return before;
  const shifted = readShares(m[6]);
  if ('error' in shifted) return shifted;
  const record2 = {
    run: m[1],
    state: m[2],
    target: m[3],
    owned: m[4] === '1',
    before,
    ...(m[6] === '-' ? {} : { shifted }),
  };
  return { record: record2 };
}
function recordTag(record2) {
  const value = encodeRecord(record2);
  if (value.length > TAG_VALUE_MAX) {
    return {
      error: `the endpoint's traffic is split over too many deployments to record it in one tag (${value.length} characters, at most ${TAG_VALUE_MAX}): set the traffic on fewer deployments, then run again`,
    };
  }
  return { tags: { [ROLLOUT_TAG]: value } };
}
var Journal = class _Journal {
  constructor(store, file) {
    this.store = store;
    this.file = file;
  }
  store;
  file;
  static begin(store, run, report) {
    const journal = new _Journal(store, { version: 1, run, endpoint: '', entries: [], report });
    journal.save();
    return journal;
  }
  /** Records a step before it starts, with what undoes it. */
  start(step, label, undo2) {
    const entry = { step, label, status: 'started', undo: undo2 };
    this.file.entries.push(entry);
    this.save();
    return entry;
  }
  end(entry, status) {
    entry.status = status;
    this.save();
  }
  setRecord(record2) {
    this.file.record = { text: encodeRecord(record2) };
    this.save();
  }
  setProcessGroup(group) {
    this.file.azProcessGroup = group;
    this.save();
  }
  save() {
    this.store.write(this.file);
  }
};

// lib/promotion.ts
var registryName = text(
  /^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$/,
  'an Azure ML registry name: 2-32 letters, digits, "_" or "-", starting with a letter or digit',
);
var registryRef = object({
  name: required(registryName),
  resourceGroup: required(resourceGroup),
  subscriptionId: required(guid),
});
var promotionDocument = object({
  /** The GitHub environment of the next stage. */
  to: required(githubEnvironment),
  /** The registry the version travels through; none when the two share a workspace. */
  registry: optional(registryRef),
});
var promotedFromDocument = object({
  /** The GitHub environment of the previous stage. */
  from: required(githubEnvironment),
  /** The registry the version comes from; none when the two share a workspace. */
  registry: optional(registryRef),
});
function registryModel(registry, name, version) {
  return `azureml://registries/${registry}/models/${name}/versions/${version}`;
}

// rollout/request.ts
var authMode = oneOf(AUTH_MODES);
var runNumber = text(/^[1-9][0-9]{0,19}$/, 'a GitHub run id or attempt: a whole number');
function checkRequest(inputs) {
  const { request: r, variables: v } = inputs;
  const problems = [];
  const value = (rule, raw, what, optional2 = false) => {
    if (raw === '') {
      if (!optional2) problems.push(`${what}: is missing; expected ${rule.expected}`);
      return '';
    }
    const checked2 = rule.check(raw, what);
    if ('value' in checked2) return checked2.value;
    problems.push(...checked2.problems.map((p) => `${p.path}: ${p.message}`));
    return '';
  };
  const variable = (key) => `variable ${ENVIRONMENT_VARIABLES[key]}`;
  const run = {
    id: value(runNumber, inputs.run.id, GITHUB_VARIABLES.runId),
    attempt: value(runNumber, inputs.run.attempt, GITHUB_VARIABLES.runAttempt),
  };
  const payload = Object.fromEntries(
    payloadFields().map(([name, f]) => [name, value(f.rule, r[name], f.key, !f.required)]),
  );
  const request = {
    ...payload,
    authMode: value(authMode, v.authMode, variable('authMode')),
    clientId: value(guid, v.clientId, variable('clientId')),
    tenantId: value(guid, v.tenantId, variable('tenantId')),
    subscriptionId: value(guid, v.subscriptionId, variable('subscriptionId')),
    resourceGroup: value(resourceGroup, v.resourceGroup, variable('resourceGroup')),
    workspace: value(workspaceName, v.workspace, variable('workspace')),
    deploymentTargets: v.deploymentTargets,
    run: `${run.id}.${run.attempt}`,
    runUrl: runUrl(inputs.run),
    promotion: documentOf(promotionDocument, v.promotion, variable('promotion'), problems),
    source: { reference: '', label: '' },
  };
  const fed = documentOf(promotedFromDocument, v.promotedFrom, variable('promotedFrom'), problems);
  const source = sourceOf(request, inputs.promotedFrom, fed, problems);
  problems.push(...workspaceProblems(request));
  if (v.deploymentTargets === '') {
    problems.push(
      `${variable('deploymentTargets')}: is empty: this environment has no deployment targets`,
    );
  }
  return problems.length > 0 ? { problems } : { request: { ...request, source } };
}
function documentOf(rule, raw, what, problems) {
  if (raw === '') return void 0;
  const parsed = parseJsonSource(raw);
  const checked2 = 'error' in parsed ? void 0 : rule.check(parsed.value, what);
  if (checked2 && 'value' in checked2) return checked2.value;
  problems.push(
    ...(checked2
      ? checked2.problems.map((p) => `${p.path}: ${p.message}`)
      : [`${what}: is not valid JSON`]),
  );
  return void 0;
}
function sourceOf(request, promotedFrom, fed, problems) {
  const { modelName: name, modelVersion: version, workspace } = request;
  const own = {
    reference: `azureml:${name}:${version}`,
    label: `workspace ${workspace}`,
  };
  if (promotedFrom === '') return own;
  if (!fed || fed.from.toLowerCase() !== promotedFrom.toLowerCase()) {
    problems.push(
      `${PROMOTED_FROM_VARIABLE}: ${show(promotedFrom)} is not accepted; environment ${request.environment} ${fed ? `is fed by ${show(fed.from)}` : 'is fed by no environment'} (${ENVIRONMENT_VARIABLES.promotedFrom})`,
    );
    return own;
  }
  if (!fed.registry) return { ...own, promotedFrom: fed.from };
  return {
    reference: registryModel(fed.registry.name, name, version),
    registry: fed.registry,
    promotedFrom: fed.from,
    label: `registry ${fed.registry.name}`,
  };
}
function runUrl(run) {
  const plain =
    /^https:\/\/[A-Za-z0-9.-]+$/.test(run.serverUrl) &&
    /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(run.repository) &&
    /^[0-9]+$/.test(run.id);
  return plain ? `${run.serverUrl}/${run.repository}/actions/runs/${run.id}` : '';
}
function workspaceProblems(request) {
  const { eventWorkspace: name, workspace } = request;
  if (name === '' || workspace === '' || name.toLowerCase() === workspace.toLowerCase()) return [];
  const environment = request.environment ? ` ${request.environment}` : '';
  return [
    `The model was registered in workspace ${name}, but environment${environment} deploys to workspace ${workspace}.`,
  ];
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

// rollout/restore.ts
function undosOf(record2) {
  const undos = [{ kind: 'restore-traffic' }];
  if (record2.owned) undos.push({ kind: 'delete-deployment', deployment: record2.target });
  return undos;
}
function sameServing(a, b) {
  const x = serving(a);
  const y = serving(b);
  return x.size === y.size && [...x].every(([d, share3]) => y.get(d) === share3);
}
function trafficBack(record2, live) {
  const target = record2.target;
  const now = trafficText(live.traffic) || 'none';
  if ((live.traffic.get(target) ?? 0) === 100) {
    return {
      note: `${target} serves 100 %: the rollout had finished; nothing is undone.`,
      outcome: 'committed',
    };
  }
  if (sameServing(live.traffic, record2.before)) {
    return { note: `Traffic is as before the run ("${now}").`, outcome: 'unchanged' };
  }
  const names = new Set(live.deployments.map((d) => d.name));
  const missing = [...record2.before.keys()].filter((d) => !names.has(d));
  const ours2 = record2.shifted !== void 0 && sameServing(live.traffic, record2.shifted);
  if (!ours2 || missing.length > 0) {
    const why =
      missing.length > 0
        ? `deployment ${missing.join(', ')}, which served before the run, no longer exists`
        : 'someone else changed it after the run';
    return { note: `Traffic "${now}" was left as it is: ${why}.`, outcome: 'foreign' };
  }
  return {
    traffic: new Map(live.deployments.map((d) => [d.name, record2.before.get(d.name) ?? 0])),
  };
}
function planRestore(record2, undos, live, keep) {
  const notes = [];
  let traffic;
  let outcome = 'unchanged';
  if (undos.some((u) => u.kind === 'restore-traffic')) {
    const back = trafficBack(record2, live);
    if ('traffic' in back) {
      traffic = back.traffic;
      outcome = 'restored';
      notes.push(`Traffic goes back to "${trafficText(serving(traffic))}".`);
    } else {
      outcome = back.outcome;
      notes.push(back.note);
    }
  }
  const after = traffic ?? live.traffic;
  const deletes = [];
  for (const undo2 of [...undos].reverse()) {
    if (undo2.kind !== 'delete-deployment' || outcome === 'committed') continue;
    const d = live.deployments.find((x) => x.name === undo2.deployment);
    if (!d || d.state === 'deleting' || undo2.deployment === keep) continue;
    if ((after.get(d.name) ?? 0) > 0) {
      notes.push(`${d.name} was kept: it still receives traffic.`);
    } else deletes.push(d.name);
  }
  return { traffic, deletes, outcome, notes };
}
async function carryOut(azure, endpoint, record2, plan, waitForDeletes) {
  const tags2 = (state) => {
    const tag = recordTag({ ...record2, state });
    return 'tags' in tag ? tag.tags : void 0;
  };
  const settled = plan.deletes.length === 0;
  if (plan.traffic) {
    const traffic = trafficText(plan.traffic);
    const result = await azure.updateEndpoint(endpoint, {
      traffic,
      tags: tags2(settled ? 'done' : 'begun'),
    });
    if (!result.ok) {
      const why = `Restoring traffic failed (${failureReason(result)}). Restore it by hand: az ml online-endpoint update --name ${endpoint} --traffic "${traffic}" ${azure.scopeArgs().join(' ')}`;
      return { traffic: [why], cleanup: [] };
    }
  }
  const cleanup2 = [];
  for (const name of plan.deletes) {
    const result = await azure.deleteDeployment(name, endpoint, waitForDeletes);
    if (!result.ok) {
      cleanup2.push(`Deleting ${name} failed (${failureReason(result)}); it serves nothing.`);
    }
  }
  const needsDone = plan.traffic ? !settled : record2.state === 'begun';
  if (needsDone && cleanup2.length === 0 && (settled || waitForDeletes)) {
    await azure.updateEndpoint(endpoint, { tags: tags2('done') });
  }
  return { traffic: [], cleanup: cleanup2 };
}
var RESTORE_WAIT_MINUTES = 2;
async function restore(ctx, inputs, deps, rolloutWith) {
  const file = deps.journal.read();
  if (!file) {
    ctx.report.endpoint = endpointOf(inputs.request.modelName, inputs.variables.deploymentTargets);
    ctx.report.details.push(
      'The rollout did not start: the run was cancelled before the rollout step, or that step could not start. Nothing was changed in Azure ML.',
    );
    deps.io.appendSummary(renderSummary(ctx.report, ctx.nowSeconds()));
    return 0;
  }
  Object.assign(ctx.report, file.report, { details: [...file.report.details] });
  const outcome = ctx.report.outcome === 'proceeding' ? 'failed' : ctx.report.outcome;
  const journal = new Journal(deps.journal, { ...file, report: ctx.report });
  let exitCode;
  try {
    exitCode = await undo(ctx, deps, journal, rolloutWith);
  } catch (error) {
    const stop = error instanceof Stop ? error : ctx.stopFor(error);
    exitCode = stop.exitCode === 0 ? 0 : 1;
    ctx.report.details.push(byHand(file));
  }
  if (ctx.report.outcome !== 'succeeded') ctx.report.outcome = outcome;
  journal.save();
  deps.io.appendSummary(renderSummary(ctx.report, ctx.nowSeconds()));
  return exitCode;
}
async function undo(ctx, deps, journal, rolloutWith) {
  const { file } = journal;
  if (file.azProcessGroup !== void 0) {
    deps.killGroup(file.azProcessGroup);
    journal.setProcessGroup(void 0);
  }
  for (const entry of file.entries.filter((e) => e.status === 'started')) {
    ctx.report.details.push(`The deploy step was stopped during: ${entry.label}.`);
    journal.end(entry, 'interrupted');
  }
  const own = file.record && decodeRecord(file.record.text);
  if (!own || 'error' in own) {
    ctx.report.details.push('Nothing had been changed in Azure ML: nothing to restore.');
    return 0;
  }
  const r = rolloutWith(journal);
  await freshSignIn(r);
  const what = `operations under way on ${r.target.endpoint}`;
  const live = await waitFor(r, what, RESTORE_WAIT_MINUTES, (s) => !inFlight(s.state));
  const tag = decodeRecord(live.tags[ROLLOUT_TAG] ?? '');
  if ('error' in tag || tag.record.run !== own.record.run) {
    ctx.report.details.push(
      'The rollout record never reached the endpoint: nothing had been changed.',
    );
    return 0;
  }
  const plan = planRestore(
    tag.record,
    file.entries.map((e) => e.undo),
    live,
  );
  ctx.report.details.push(...plan.notes);
  const left = await carryOut(r.azure, r.target.endpoint, tag.record, plan, false);
  if (plan.outcome === 'committed') ctx.report.outcome = 'succeeded';
  await reportAfter(r, plan, left.cleanup);
  if (left.traffic.length > 0) {
    ctx.report.details.push(`RESTORE INCOMPLETE: ${left.traffic.join(' ')}`);
    ctx.annotate('error', `Restore incomplete on ${r.target.endpoint}: ${left.traffic.join(' ')}`);
    return 1;
  }
  if (left.cleanup.length > 0) {
    const text2 = `${left.cleanup.join(' ')} The next run of this environment deletes it (the journal on the endpoint says it is this run's).`;
    ctx.report.details.push(text2);
    ctx.annotate('warning', text2);
  }
  return 0;
}
async function reportAfter(r, plan, failed) {
  const after = await readEndpoint(r);
  r.ctx.report.trafficAfter = after ? trafficText(after.traffic) : '';
  r.ctx.report.deploymentsAfter = after
    ? after.deployments
        .map((d) => (d.state === 'deleting' ? `${d.label} (deleting)` : d.label))
        .join(', ')
    : '';
  const started = plan.deletes.filter((d) => !failed.some((f) => f.includes(` ${d} `)));
  if (started.length > 0) {
    r.ctx.report.details.push(
      `Deleting ${started.join(' ')} was started (it serves nothing); the next run of this environment makes sure it is gone.`,
    );
  }
}
function byHand(file) {
  const own = file.record && decodeRecord(file.record.text);
  if (!own || 'error' in own) return 'Nothing had been changed in Azure ML.';
  const traffic = new Map(own.record.before);
  traffic.set(own.record.target, 0);
  return `RESTORE NOT DONE. The next run of this environment finishes it from the journal on the endpoint (tag ${ROLLOUT_TAG}). To restore now: az ml online-endpoint update --name ${file.endpoint} --traffic "${trafficText(traffic)}" (then delete ${own.record.target} if this run created it).`;
}

// rollout/source.ts
async function checkSource(r) {
  const { modelName: name, modelVersion: version, source, workspace } = r.request;
  const registry = source.registry?.name;
  const shown = await call(r, (ml) => ml.showModel(name, version, registry));
  if (!shown.ok && !isNotFound(shown)) {
    r.ctx.fail(
      `Model ${name} version ${version} could not be read from ${source.label}: ${failureReason(shown)}`,
    );
  }
  if (!shown.ok && registry === void 0) {
    r.ctx.fail(`Model ${name} version ${version} is not registered in workspace ${workspace}.`);
  }
  if (!shown.ok) {
    r.ctx.fail(
      `Model ${name} version ${version} is not in registry ${registry}: ${source.promotedFrom} shares a version there once its rollout succeeded, so this one has not passed it.`,
    );
  }
  if (source.registry) await checkRegion(r, source.registry);
}
var region = (value) => (typeof value === 'string' ? value.replace(/\s/g, '').toLowerCase() : '');
async function checkRegion(r, registry) {
  const shown = await call(r, (ml) =>
    ml.showRegistry(registry.name, registry.resourceGroup, registry.subscriptionId),
  );
  if (!shown.ok) r.ctx.fail(`Reading registry ${registry.name} failed: ${failureReason(shown)}`);
  const workspace = await call(r, (ml) => ml.showWorkspace());
  if (!workspace.ok)
    r.ctx.fail(`Reading workspace ${r.request.workspace} failed: ${failureReason(workspace)}`);
  const registryJson = parseJson(shown.stdout);
  const workspaceJson = parseJson(workspace.stdout);
  const locations =
    'value' in registryJson &&
    isPlainObject(registryJson.value) &&
    Array.isArray(registryJson.value.replication_locations)
      ? registryJson.value.replication_locations.map((l) =>
          region(isPlainObject(l) ? l.location : void 0),
        )
      : [];
  const here =
    'value' in workspaceJson && isPlainObject(workspaceJson.value)
      ? region(workspaceJson.value.location)
      : '';
  if (here === '' || !locations.includes(here)) {
    r.ctx.fail(
      `Registry ${registry.name} does not replicate to ${here || 'the region of workspace ' + r.request.workspace} (it does to ${locations.join(', ') || 'no region'}): add the region to the registry, then run again. Nothing was changed.`,
    );
  }
}

// rollout/steps.ts
var DEPLOYMENT_TAGS = {
  run: 'aml-deploy-run',
  runUrl: 'aml-deploy-run-url',
  model: 'aml-deploy-model',
  /** "workspace <name>" or "registry <name>". */
  source: 'aml-deploy-source',
  /** The stage that passed the version on, for a promotion. */
  promotedFrom: 'aml-deploy-promoted-from',
};
async function runSteps(r, steps, record2) {
  for (const step of steps) {
    await freshSignIn(r);
    const entry = r.journal.start(step.kind, describe(step), step.undo);
    try {
      await RUNNERS[step.kind](r, step, record2);
      r.journal.end(entry, 'done');
    } catch (error) {
      if (r.ctx.cancelled)
        r.ctx.report.details.push(`The deploy step was stopped during: ${entry.label}.`);
      r.journal.end(entry, r.ctx.cancelled ? 'interrupted' : 'failed');
      throw error;
    }
  }
}
function describe(step) {
  switch (step.kind) {
    case 'create':
      return `create deployment ${step.deployment}`;
    case 'smoke-test':
      return `smoke test of ${step.deployment}`;
    case 'traffic':
      return `traffic (${step.what}): ${trafficText(step.traffic)}`;
    case 'observe':
      return `observe the canary for ${step.minutes} min`;
    case 'cleanup':
      return `delete ${step.deployments.join(' ')}`;
    case 'share':
      return `share the version into registry ${step.registry}`;
  }
}
var RUNNERS = {
  create: createDeployment,
  'smoke-test': (r, step) => smokeTest(r, step.deployment),
  traffic: shiftTraffic,
  observe,
  cleanup,
  share: share2,
};
var CREATE_MINUTES = 60;
var UPDATE_MINUTES = 15;
async function createDeployment(r, step) {
  const { request, target } = r;
  const { source } = request;
  const tags2 = {
    [DEPLOYMENT_TAGS.run]: request.run,
    [DEPLOYMENT_TAGS.model]: `${request.modelName}:${request.modelVersion}`,
    [DEPLOYMENT_TAGS.source]: source.label,
  };
  if (request.runUrl) tags2[DEPLOYMENT_TAGS.runUrl] = request.runUrl;
  if (source.promotedFrom) tags2[DEPLOYMENT_TAGS.promotedFrom] = source.promotedFrom;
  const model = source.reference;
  const absent = async () => {
    const state2 = await readEndpoint(r);
    return !state2 || !deploymentOf(state2, step.deployment);
  };
  const created = await call(
    r,
    (azure) =>
      azure.createDeployment(step.deployment, target.endpoint, target.deploymentSpec, model, tags2),
    absent,
  );
  const state = await waitFor(
    r,
    `deployment ${step.deployment} to provision`,
    CREATE_MINUTES,
    (s) => !inFlight(deploymentOf(s, step.deployment)?.state ?? ''),
  );
  const made = deploymentOf(state, step.deployment);
  const why = created.ok ? '' : ` (${failureReason(created)})`;
  if (!made) {
    r.ctx.fail(
      `Creating deployment ${step.deployment} on endpoint ${target.endpoint} from ${target.deploymentSpec} failed${why}.`,
    );
  }
  if (made.state !== 'succeeded') {
    r.ctx.fail(
      `Deployment ${step.deployment} did not provision: its state is ${made.state || 'unknown'}${why}.`,
    );
  }
  if (!created.ok) r.ctx.log(`az reported a failure${why}, but ${step.deployment} provisioned.`);
}
async function smokeTest(r, deployment) {
  const file = r.target.smokeTestRequest ?? '';
  const answer = await call(r, (azure) => azure.invoke(r.target.endpoint, deployment, file));
  if (!answer.ok) {
    r.ctx.fail(
      `Smoke test failed: deployment ${deployment} did not answer ${file} (${failureReason(answer)}).`,
    );
  }
  r.ctx.io.out(`Smoke test passed. Response: ${quote(answer.stdout.replace(/\n$/, ''))}`);
}
async function shiftTraffic(r, step, record2) {
  if (!record2) throw new Error('a traffic step needs the rollout record');
  const traffic = trafficText(step.traffic);
  const next =
    step.what === 'final' ? { ...record2, state: 'done' } : { ...record2, shifted: step.traffic };
  const tag = recordTag(next);
  const tags2 = 'tags' in tag ? tag.tags : void 0;
  r.ctx.log(`Traffic (${step.what}): ${traffic}`);
  const result = await call(r, (azure) =>
    azure.updateEndpoint(r.target.endpoint, { traffic, tags: tags2 }),
  );
  const state = await waitFor(
    r,
    `the traffic update of ${r.target.endpoint}`,
    UPDATE_MINUTES,
    (s) => !inFlight(s.state),
  );
  if (trafficText(serving(state.traffic)) !== trafficText(serving(step.traffic))) {
    const why = result.ok ? 'Azure reports other traffic' : failureReason(result);
    r.ctx.fail(
      `Shifting traffic (${step.what}: ${traffic}) on endpoint ${r.target.endpoint} failed: ${why}.`,
    );
  }
}
async function observe(r, step) {
  r.ctx.log(`Observing the canary for ${step.minutes} min.`);
  await r.ctx.clock.sleep(step.minutes * 6e4, r.ctx.signal);
  r.ctx.checkCancelled();
  await keepSignedIn(r);
  const state = await readEndpoint(r);
  const deployment = r.ctx.report.deployment;
  const now = state ? trafficText(serving(state.traffic)) : 'no endpoint';
  if (now !== trafficText(serving(step.traffic))) {
    r.ctx.fail(`The traffic changed while the canary was observed: now "${now}".`);
  }
  const d = state && deploymentOf(state, deployment);
  if (d?.state !== 'succeeded') {
    r.ctx.fail(`Deployment ${deployment} is ${d?.state || 'gone'} after the observation.`);
  }
  if (r.target.smokeTestRequest !== void 0) await smokeTest(r, deployment);
}
async function cleanup(r, step) {
  const { report } = r.ctx;
  const deleted = [];
  const failed = [];
  for (const name of step.deployments) {
    const present = async () => {
      const state = await readEndpoint(r);
      return state !== void 0 && deploymentOf(state, name) !== void 0;
    };
    const result = await call(
      r,
      (azure) => azure.deleteDeployment(name, r.target.endpoint),
      present,
    );
    (result.ok ? deleted : failed).push(name);
  }
  if (deleted.length > 0) {
    report.details.push(
      `Deleted earlier deployments beyond keepDeployments=${r.target.keepDeployments}: ${deleted.join(' ')}.`,
    );
  }
  if (failed.length > 0) {
    report.details.push(
      `Cleanup incomplete: deleting ${failed.join(' ')} failed (no traffic goes there); the next rollout tries again.`,
    );
    r.ctx.annotate(
      'warning',
      `Cleanup incomplete: could not delete ${failed.join(' ')} on ${r.target.endpoint}.`,
    );
  }
}
async function share2(r, step) {
  const { modelName: name, modelVersion: version } = r.request;
  const inRegistry = async () => {
    const shown = await call(r, (azure) => azure.showModel(name, version, step.registry));
    if (!shown.ok && !isNotFound(shown)) {
      r.ctx.fail(`Reading registry ${step.registry} failed: ${failureReason(shown)}`);
    }
    return shown.ok;
  };
  if (await inRegistry()) {
    r.ctx.log(`${name} version ${version} is in registry ${step.registry} already.`);
    return;
  }
  const shared = await call(r, (azure) => azure.shareModel(name, version, step.registry));
  if (!shared.ok && !(await inRegistry())) {
    r.ctx.fail(
      `Sharing ${name} version ${version} into registry ${step.registry} failed: ${failureReason(shared)}. It serves here; the next stage was not started.`,
    );
  }
  r.ctx.report.details.push(`Shared ${name} version ${version} into registry ${step.registry}.`);
}

// rollout/deploy.ts
async function deploy(r) {
  const { ctx } = r;
  const { state, provisional } = await prepare(r);
  const plan = planRollout(state, {
    model: r.request.modelName,
    version: r.request.modelVersion,
    canaryPercent: r.target.canaryPercent,
    observeMinutes: r.target.observeMinutes,
    keepDeployments: r.target.keepDeployments,
    smokeTest: r.target.smokeTestRequest !== void 0,
    neverDowngrade: r.neverDowngrade,
    provisional,
    shareTo: r.request.promotion?.registry?.name,
  });
  ctx.report.trafficBefore = ctx.report.trafficAfter = trafficText(plan.before.traffic);
  ctx.report.deploymentsBefore = ctx.report.deploymentsAfter = plan.before.deployments.join(', ');
  if (plan.kind === 'unchanged' && plan.cleanup.length > 0) {
    await runSteps(r, [cleanupStep(plan.cleanup)]);
  }
  if (plan.kind !== 'roll-out') return settle(r, plan);
  ctx.report.deployment = plan.deployment;
  if (!plan.create) {
    ctx.report.details.push(
      `Deployment ${plan.deployment} already runs ${r.request.modelName} version ${r.request.modelVersion}: reused, not created again.`,
    );
  }
  const record2 = {
    run: r.request.run,
    state: 'begun',
    target: plan.deployment,
    owned: plan.owned,
    before: serving(plan.before.traffic),
  };
  const canary = plan.steps.find((s) => s.kind === 'traffic' && s.what === 'canary');
  await begin(r, record2, canary?.kind === 'traffic' ? canary.traffic : void 0);
  await runSteps(r, plan.steps, record2);
  const after = await readEndpoint(r);
  ctx.report.outcome = 'succeeded';
  ctx.report.trafficAfter = after ? trafficText(after.traffic) : '';
  ctx.report.deploymentsAfter = after ? after.deployments.map((d) => d.label).join(', ') : '';
}
async function prepare(r) {
  const { ctx, target } = r;
  await freshSignIn(r);
  ctx.log(`Installing the Azure CLI ml extension ${ML_EXTENSION_VERSION}.`);
  const extension = await call(r, (ml) => ml.installExtension());
  if (!extension.ok) {
    ctx.fail(
      `Installing the Azure CLI ml extension ${ML_EXTENSION_VERSION} failed: ${failureReason(extension)}`,
    );
  }
  await checkSource(r);
  let state = (await readEndpoint(r)) ?? (await createEndpoint(r));
  if (!quiet(state)) {
    state = await waitFor(r, `operations under way on ${target.endpoint}`, CREATE_MINUTES, quiet);
  }
  return takeOver(r, state);
}
async function createEndpoint(r) {
  const { ctx, target } = r;
  const entry = r.journal.start('prepare', `create endpoint ${target.endpoint}`, {
    kind: 'none',
    why: 'an endpoint without deployments serves nothing and costs nothing; the next run reuses it',
  });
  ctx.log(`Endpoint ${target.endpoint} does not exist: creating it from ${target.endpointSpec}.`);
  const created = await call(r, (ml) => ml.createEndpoint(target.endpoint, target.endpointSpec));
  r.journal.end(entry, created.ok ? 'done' : 'failed');
  const state = await readEndpoint(r);
  if (!state) {
    return ctx.fail(
      `Creating endpoint ${target.endpoint} from ${target.endpointSpec} failed: ${failureReason(created)}`,
    );
  }
  ctx.report.details.push(`Endpoint ${target.endpoint} was created from ${target.endpointSpec}.`);
  return state;
}
async function takeOver(r, state) {
  const { ctx, request, target } = r;
  const tag = state.tags[ROLLOUT_TAG];
  if (tag === void 0) return { state };
  const decoded = decodeRecord(tag);
  if ('error' in decoded) {
    ctx.annotate('warning', `Ignored the journal on ${target.endpoint}: ${decoded.error}.`);
    return { state };
  }
  const earlier = decoded.record;
  if (earlier.state === 'done') return { state };
  const ours2 = deploymentName(request.modelVersion);
  const reusable = state.deployments.find((d) => d.name === ours2 && d.state === 'succeeded');
  const keep = earlier.owned && earlier.target === ours2 && reusable ? ours2 : void 0;
  const plan = planRestore(earlier, undosOf(earlier), state, keep);
  const who =
    earlier.run.split('.')[0] === request.run.split('.')[0]
      ? 'An earlier attempt of this run'
      : `Run ${earlier.run}`;
  ctx.report.details.push(
    `${who} left a rollout of ${earlier.target} unfinished: ${plan.notes.join(' ')}`,
  );
  const left = await carryOut(r.azure, target.endpoint, earlier, plan, true);
  ctx.checkCancelled();
  const problems = [...left.traffic, ...left.cleanup];
  if (problems.length > 0)
    ctx.fail(`Finishing the unfinished rollout failed: ${problems.join(' ')}`);
  const now = await waitFor(r, `operations under way on ${target.endpoint}`, CREATE_MINUTES, quiet);
  return { state: now, provisional: keep };
}
async function begin(r, record2, canary) {
  const largest = recordTag({ ...record2, shifted: canary });
  if ('error' in largest) r.ctx.fail(`Nothing was changed: ${largest.error}.`);
  const tag = recordTag(record2);
  if ('error' in tag) r.ctx.fail(`Nothing was changed: ${tag.error}.`);
  r.journal.setRecord(record2);
  const entry = r.journal.start('prepare', `record the rollout on ${r.target.endpoint}`, {
    kind: 'none',
    why: 'the record itself: the restore reads it',
  });
  const written = await call(r, (azure) =>
    azure.updateEndpoint(r.target.endpoint, { tags: tag.tags }),
  );
  r.journal.end(entry, written.ok ? 'done' : 'failed');
  if (!written.ok)
    r.ctx.fail(
      `Recording the rollout on endpoint ${r.target.endpoint} failed: ${failureReason(written)}`,
    );
}
function settle(r, plan) {
  const { ctx, request, target } = r;
  const { modelName: model, modelVersion: version } = request;
  switch (plan.kind) {
    case 'unchanged':
      ctx.report.outcome = 'unchanged';
      ctx.report.deployment = plan.deployment;
      ctx.report.details.push(
        `Deployment ${plan.deployment} of endpoint ${target.endpoint} already serves ${model} version ${version} with 100 % of traffic; nothing was changed.`,
      );
      return;
    case 'stale':
      return ctx.skip(
        `Model ${model} version ${version} is older than the serving version ${plan.servingVersion}; a repository_dispatch never downgrades — use workflow_dispatch to roll back. Nothing was changed: traffic on endpoint ${target.endpoint} stays "${ctx.report.trafficBefore}".`,
      );
    case 'name-taken':
      return ctx.fail(
        `Endpoint ${target.endpoint} already has a deployment named ${plan.deployment} that runs another model: ${plan.label}. Delete it, then run again.`,
      );
    case 'not-provisioned':
      return ctx.fail(
        `Endpoint ${target.endpoint} has a deployment of ${model} version ${version} that did not provision: ${plan.deployment} (${plan.state}). Delete it (az ml online-deployment delete --name ${plan.deployment} --endpoint-name ${target.endpoint} --yes), then run again.`,
      );
  }
}

// rollout/run.ts
var PHASES = ['validate', 'deploy', 'restore'];
var STEP_OUTPUTS = {
  /** "true" when the rollout step should run. */
  proceed: 'proceed',
  /** Epoch seconds, handed to the later steps as ROLLOUT_STARTED_AT. */
  startedAt: 'started_at',
  /**
   * deploy's, read by the workflow's next promotion job (set only when it should run): the
   * GitHub environment of the next stage; with it, the fields HANDED_ON, by payload key.
   */
  promoteTo: 'promote_to',
};
function isPhase(value) {
  return PHASES.includes(value);
}
async function runPhase(phase, inputs, deps) {
  const now = Math.floor(deps.clock.now() / 1e3);
  const started = /^[0-9]{1,12}$/.test(inputs.startedAt) ? Number(inputs.startedAt) : now;
  const report = newReport(inputs, phase === 'validate' ? now : started);
  const ctx = new Context(deps.io, report, deps.clock, deps.signal);
  if (phase === 'validate') return validate(ctx, inputs);
  if (phase === 'restore') return restore(ctx, inputs, deps, (r) => rollout(ctx, inputs, deps, r));
  const journal = Journal.begin(deps.journal, `${inputs.run.id}.${inputs.run.attempt}`, report);
  let exitCode = 0;
  let request;
  try {
    const r = rollout(ctx, inputs, deps, journal);
    request = r.request;
    await deploy(r);
  } catch (error) {
    exitCode = ctx.stopFor(error).exitCode;
  }
  journal.save();
  if (exitCode === 0 && request) promote(ctx, request);
  if (exitCode === 0) deps.io.appendSummary(renderSummary(report, ctx.nowSeconds()));
  return exitCode;
}
function promote(ctx, request) {
  const next = request.promotion?.to;
  if (next === void 0 || ctx.report.outcome !== 'succeeded') return;
  ctx.io.setOutput(STEP_OUTPUTS.promoteTo, next);
  for (const name of HANDED_ON) ctx.io.setOutput(PAYLOAD[name].key, request[name]);
  ctx.report.details.push(
    `Promoted to ${next}: the next job rolls out ${request.modelName} version ${request.modelVersion} there, once its reviewers approve.`,
  );
}
function newReport(inputs, startedAt) {
  return {
    outcome: 'failed',
    request: inputs.request,
    endpoint: '',
    deployment: '',
    source: '',
    promotedFrom: '',
    promotedFromUrl: '',
    trafficBefore: '',
    trafficAfter: '',
    deploymentsBefore: '',
    deploymentsAfter: '',
    details: [],
    startedAt,
  };
}
function rollout(ctx, inputs, deps, journal) {
  const { request, target } = checked(ctx, inputs, 'deploy');
  journal.file.endpoint = target.endpoint;
  journal.save();
  const azure = new AzureMl(
    deps.az,
    request,
    (line) =>
      deps.io.err(`${oneLine(line)}
`),
    deps.signal,
    (group) => journal.setProcessGroup(group),
  );
  return {
    ctx,
    azure,
    request,
    target,
    journal,
    credentials: { idToken: deps.idToken, credentials: inputs.credentials },
    neverDowngrade: inputs.eventName === 'repository_dispatch',
  };
}
function validate(ctx, inputs) {
  const { io, report } = ctx;
  io.setOutput(STEP_OUTPUTS.startedAt, String(report.startedAt));
  let exitCode = 0;
  try {
    const { request, target } = checked(ctx, inputs, 'validate');
    report.outcome = 'proceeding';
    ctx.log(
      `Request valid: ${request.modelName} version ${request.modelVersion} goes to endpoint ${target.endpoint} as deployment ${report.deployment}.`,
    );
  } catch (error) {
    exitCode = ctx.stopFor(error).exitCode;
  }
  io.setOutput(STEP_OUTPUTS.proceed, String(report.outcome === 'proceeding'));
  if (report.outcome !== 'proceeding') io.appendSummary(renderSummary(report, ctx.nowSeconds()));
  return exitCode;
}
function checked(ctx, inputs, phase) {
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
  const variable = ENVIRONMENT_VARIABLES.deploymentTargets;
  switch (lookup.kind) {
    case 'unreadable':
      return ctx.fail(`Variable ${variable} cannot be read: ${lookup.reason}`);
    case 'none':
      return ctx.skip(
        `No deployment target for model ${request.modelName} in environment ${request.environment} (${variable} has none): nothing to deploy.`,
      );
    case 'invalid':
      return ctx.fail(
        [
          `The deployment target of model ${request.modelName} is invalid (${variable}):`,
          ...lookup.problems.map((p) => `- ${p}`),
        ].join('\n'),
      );
    case 'found':
      ctx.report.endpoint = lookup.target.endpoint;
      ctx.report.deployment = deploymentName(request.modelVersion);
      ctx.report.source = request.source.label;
      ctx.report.promotedFrom = request.source.promotedFrom ?? '';
      ctx.report.promotedFromUrl = inputs.promotedInRun ? request.runUrl : '';
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
  const env = process.env;
  const cancel = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (cancel.signal.aborted) return;
      cancel.abort();
      process.stderr.write(
        `The run was cancelled or the step timed out (${signal}): stopping; the restore step undoes what this run changed.
`,
      );
    });
  }
  return runPhase(phase, readInputs(env), {
    io: gitHubIo({
      summaryFile: env[GITHUB_VARIABLES.stepSummary] || void 0,
      outputFile: env[GITHUB_VARIABLES.output] || void 0,
      root: process.cwd(),
      stdout: (text2) => process.stdout.write(text2),
      stderr: (text2) => process.stderr.write(text2),
    }),
    az: execAz((text2) => process.stderr.write(text2)),
    clock: realClock,
    journal: fileJournal(
      (0, import_node_path3.join)(
        env[GITHUB_VARIABLES.runnerTemp] || (0, import_node_os.tmpdir)(),
        JOURNAL_FILE,
      ),
    ),
    idToken: () =>
      gitHubIdToken(
        env[GITHUB_VARIABLES.idTokenUrl],
        env[GITHUB_VARIABLES.idTokenRequestToken],
        cancel.signal,
      ),
    killGroup: (group) => killGroup(group, 'SIGKILL'),
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
