/**
 * A fake GitHub REST API on 127.0.0.1 for __tests__/e2e.test.ts: the few endpoints the e2e
 * harness (e2e/github.ts) calls, with GitHub's answer shapes (workflow runs and jobs start from
 * the examples in GitHub's own OpenAPI description, @octokit/openapi) and its pagination (Link
 * headers, newest run first).
 *
 * Runs can appear late (`appearsAfter`: hidden from the first N listings) and move on
 * (`timeline`: one status per read of the run), so polling is tested without real time.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const api = readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'));
const RUN_EXAMPLE = example('workflow-run-paginated').value.workflow_runs[0];
const JOB_EXAMPLE = example('job-paginated').value.jobs[0];

/**
 * One of the description's `components.examples`, parsed alone: parsing all 13 MB would cost
 * this test file about 0.1 s. The object is cut out by its braces, outside strings.
 */
function example(name: string): any {
  const key = api.indexOf(`"${name}":`);
  const start = api.indexOf('{', key);
  if (key < 0 || start < 0) throw new Error(`no example ${name} in GitHub's OpenAPI description`);
  let depth = 0;
  let inString = false;
  for (let i = start; i < api.length; i++) {
    const c = api[i];
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) {
      return JSON.parse(api.subarray(start, i + 1).toString('utf8'));
    }
  }
  throw new Error(`example ${name} does not end`);
}

export const TOKEN = 'ghp_S3CR3T0KEN0000000000000000000000000';

export interface RunSeed {
  readonly id: number;
  readonly name: string;
  readonly event?: string;
  readonly createdAt: string;
  readonly status?: string;
  readonly conclusion?: string | null;
  /** Hidden from the first N listings of runs. */
  readonly appearsAfter?: number;
  /** Status and conclusion after each read of the run (`GET .../runs/{id}`), in order. */
  readonly timeline?: readonly [string, string | null][];
}

/** A run as GitHub shows it: without the fake's own fields. */
function shown(run: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...run };
  delete copy.timeline;
  delete copy.appearsAfter;
  return copy;
}

interface Request {
  readonly method: string;
  readonly url: string;
  readonly authorization?: string;
  readonly body?: unknown;
}

export class FakeGitHub {
  readonly owner = 'contoso';
  readonly repository = 'aml-e2e-target';
  defaultBranch = 'main';
  runs: (Record<string, unknown> & {
    timeline: [string, string | null][];
    appearsAfter: number;
  })[] = [];
  files = new Map<string, { content: string; sha: string }>();
  jobs: unknown[] = [];
  /** Statuses to answer the next requests with, whatever they ask (a flaky API). */
  failures: number[] = [];
  requests: Request[] = [];
  private listings = 0;
  private shas = 0;
  private server?: Server;
  base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        try {
          this.handle(req, res, body);
        } catch (e) {
          // A bug in the fake answers 599, so the test fails instead of hanging.
          this.reply(res, 599, { message: String(e) });
        }
      });
    });
    await new Promise<void>((done) => this.server?.listen(0, '127.0.0.1', done));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((done) => (this.server ? this.server.close(() => done()) : done()));
  }

  reset(): void {
    this.runs = [];
    this.files = new Map();
    this.jobs = [];
    this.failures = [];
    this.requests = [];
    this.listings = 0;
  }

  addRun(seed: RunSeed): void {
    this.runs.push({
      ...RUN_EXAMPLE,
      id: seed.id,
      run_number: seed.id % 1000,
      name: 'AML deploy model',
      display_title: seed.name,
      event: seed.event ?? 'repository_dispatch',
      status: seed.status ?? 'queued',
      conclusion: seed.conclusion ?? null,
      created_at: seed.createdAt,
      updated_at: seed.createdAt,
      path: '.github/workflows/aml-deploy-model.yml@main',
      html_url: `https://github.com/${this.owner}/${this.repository}/actions/runs/${seed.id}`,
      timeline: [...(seed.timeline ?? [])],
      appearsAfter: seed.appearsAfter ?? 0,
    });
  }

  /** A job of the current run, for the summary. */
  setJob(name: string, steps: readonly Record<string, unknown>[]): void {
    this.jobs = [{ ...JOB_EXAMPLE, name, steps }];
  }

  private reply(res: ServerResponse, status: number, json?: unknown, headers = {}): void {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(json === undefined ? '' : JSON.stringify(json));
  }

  private handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const url = new URL(req.url ?? '/', this.base);
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    this.requests.push({
      method: req.method ?? '',
      url: `${url.pathname}${url.search}`,
      authorization: req.headers.authorization,
      body,
    });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      return this.reply(res, 401, { message: 'Bad credentials', status: '401' });
    }
    const failure = this.failures.shift();
    if (failure !== undefined) return this.reply(res, failure, { message: 'Server Error' });

    const root = `/repos/${this.owner}/${this.repository}`;
    const path = decodeURIComponent(url.pathname);
    if (req.method === 'GET' && path === root) {
      return this.reply(res, 200, {
        full_name: `${this.owner}/${this.repository}`,
        default_branch: this.defaultBranch,
      });
    }
    if (req.method === 'GET' && path === `${root}/actions/runs`) return this.listRuns(url, res);
    const run = /^\/repos\/[^/]+\/[^/]+\/actions\/runs\/(\d+)$/.exec(path);
    if (req.method === 'GET' && run && path.startsWith(root)) {
      const found = this.runs.find((r) => r.id === Number(run[1]));
      if (!found) return this.reply(res, 404, { message: 'Not Found' });
      const next = found.timeline.shift();
      if (next) [found.status, found.conclusion] = next;
      return this.reply(res, 200, shown(found));
    }
    const jobs = /^\/repos\/[^/]+\/[^/]+\/actions\/runs\/\d+\/attempts\/\d+\/jobs$/.exec(path);
    if (req.method === 'GET' && jobs) {
      return this.reply(res, 200, { total_count: this.jobs.length, jobs: this.jobs });
    }
    if (path.startsWith(`${root}/contents/`)) {
      return this.contents(
        req.method ?? '',
        path.slice(`${root}/contents/`.length),
        url,
        body,
        res,
      );
    }
    return this.reply(res, 404, { message: 'Not Found' });
  }

  private listRuns(url: URL, res: ServerResponse): void {
    const page = Number(url.searchParams.get('page') ?? '1');
    const perPage = Number(url.searchParams.get('per_page') ?? '30');
    if (page === 1) this.listings++;
    const event = url.searchParams.get('event');
    const created = /^>=(.+)$/.exec(url.searchParams.get('created') ?? '')?.[1];
    const visible = this.runs
      .filter((r) => r.appearsAfter < this.listings)
      .filter((r) => !event || r.event === event)
      .filter((r) => !created || Date.parse(String(r.created_at)) >= Date.parse(created))
      .sort((a, b) => Date.parse(String(b.created_at)) - Date.parse(String(a.created_at)));
    const onPage = visible.slice((page - 1) * perPage, page * perPage).map(shown);
    const headers: Record<string, string> = {};
    if (page * perPage < visible.length) {
      const next = new URL(url.toString());
      next.searchParams.set('page', String(page + 1));
      headers.Link = `<${next}>; rel="next"`;
    }
    this.reply(res, 200, { total_count: visible.length, workflow_runs: onPage }, headers);
  }

  private contents(method: string, path: string, url: URL, body: any, res: ServerResponse): void {
    const file = this.files.get(path);
    if (method === 'GET') {
      if (url.searchParams.get('ref') !== this.defaultBranch) {
        return this.reply(res, 404, { message: 'No commit found for the ref' });
      }
      if (!file) return this.reply(res, 404, { message: 'Not Found' });
      // GitHub wraps base64 content at 60 characters.
      const content = Buffer.from(file.content)
        .toString('base64')
        .replace(/(.{60})/g, '$1\n');
      return this.reply(res, 200, {
        type: 'file',
        path,
        sha: file.sha,
        encoding: 'base64',
        content,
      });
    }
    if (method === 'PUT') {
      if (body?.branch !== this.defaultBranch || typeof body?.message !== 'string') {
        return this.reply(res, 422, { message: 'Invalid request' });
      }
      if ((file && body.sha !== file.sha) || (!file && body.sha !== undefined)) {
        return this.reply(res, 409, { message: `${path} does not match ${body.sha}` });
      }
      const sha = `sha${++this.shas}`;
      this.files.set(path, { content: Buffer.from(body.content, 'base64').toString('utf8'), sha });
      return this.reply(res, file ? 200 : 201, { content: { path, sha } });
    }
    return this.reply(res, 405, { message: 'Method Not Allowed' });
  }
}
