/**
 * The GitHub REST API as the scripts call it (scripts/diff-comment.ts, the e2e harness in
 * e2e/): the base URL (`GITHUB_API_URL`, GitHub Enterprise's `/api/v3` prefix included), the
 * headers GitHub asks for with the one API version (`GITHUB_API_VERSION`, which the Logic
 * App's dispatch sends too), JSON in and out, pages followed by their `Link` header, and
 * errors that name the call.
 *
 * A small module on `fetch` rather than `@octokit/request` (10.0.16, measured here): that
 * package would add 8 packages and 6.3 MB to node_modules and take 8-15 ms to load (this
 * module: 2-3 ms); it is ESM-only, so jest would have to transform it; and it would replace
 * only the `fetch` call: the errors, the origin check and the paging below stay ours.
 *
 * The token goes in the Authorization header of requests to the API's own origin and nowhere
 * else: not into messages, not into a next-page link on another host.
 */
import { GITHUB_API_VERSION } from '../lib/logic-app-definition';
import { UserError } from './user-error';

const DEFAULT_API_URL = 'https://api.github.com';

/** A call that did not succeed; status 0 when no answer came. */
export class GitHubApiError extends UserError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
  /** No answer, 429 or 5xx: worth trying again later. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export interface GitHubAnswer {
  readonly status: number;
  /** The parsed body; undefined when it was empty or not JSON. */
  readonly json: unknown;
  /** The next page's URL, from the `Link` header. */
  readonly next?: string;
}

interface GitHubClientOptions {
  /** `GITHUB_API_URL`. @default https://api.github.com */
  readonly apiUrl?: string;
  readonly token: string;
  /** Who calls: the User-Agent, which GitHub requires, is `aml-deploy-pipeline-<tool>`. */
  readonly tool: string;
  /** How long one request may take. @default 30 s */
  readonly timeoutMs?: number;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH';

/** `/repos/<owner>/<repository>`, each part encoded. */
export function repoPath(owner: string, repository: string): string {
  return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repository)}`;
}

const DETAIL_LIMIT = 300;

export class GitHubClient {
  readonly #token: string;
  private readonly base: URL;
  private readonly userAgent: string;
  private readonly timeoutMs: number;

  constructor(options: GitHubClientOptions) {
    const base = options.apiUrl || DEFAULT_API_URL;
    this.base = new URL(base.endsWith('/') ? base : `${base}/`);
    this.#token = options.token;
    this.userAgent = `aml-deploy-pipeline-${options.tool}`;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /**
   * One call. `path` is relative to the API root (`/repos/...`), or a next-page URL the API
   * gave. A status outside 2xx throws, unless listed in `accept` (such as 404 for "absent").
   */
  async request(
    method: Method,
    path: string,
    { body, accept = [] }: { body?: unknown; accept?: readonly number[] } = {},
  ): Promise<GitHubAnswer> {
    const url = /^https?:\/\//.test(path)
      ? new URL(path)
      : new URL(path.replace(/^\//, ''), this.base);
    if (url.origin !== this.base.origin) {
      throw new GitHubApiError(
        `GitHub API gave a link to another host (${url.origin}); not followed.`,
        0,
      );
    }
    const shown = `GitHub API ${method} ${url.pathname}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          Accept: 'application/vnd.github+json',
          Authorization: `Bearer ${this.#token}`,
          'X-GitHub-Api-Version': GITHUB_API_VERSION,
          'User-Agent': this.userAgent,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      const reason =
        err.name === 'TimeoutError'
          ? `no answer within ${this.timeoutMs / 1000} s`
          : (err.cause?.code ?? err.message);
      throw new GitHubApiError(`${shown}: ${reason}`, 0);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok && !accept.includes(response.status)) {
      throw new GitHubApiError(
        `${shown}: HTTP ${response.status}${detail(json, text)}`,
        response.status,
      );
    }
    const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    return { status: response.status, json, ...(next ? { next } : {}) };
  }

  /** A list's pages, first to last (or to `maxPages`); the caller stops when it has enough. */
  async *pages(path: string, maxPages = Infinity): AsyncGenerator<GitHubAnswer> {
    let next: string | undefined = path;
    for (let page = 0; next !== undefined && page < maxPages; page++) {
      const answer: GitHubAnswer = await this.request('GET', next);
      yield answer;
      next = answer.next;
    }
  }
}

/** GitHub's own message, or the start of a body that is not GitHub's JSON (a proxy's page). */
function detail(json: unknown, text: string): string {
  const message = (json as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string') return ` (${message})`;
  const start = text.replace(/\s+/g, ' ').trim();
  if (!start) return '';
  return ` (${start.length > DETAIL_LIMIT ? `${start.slice(0, DETAIL_LIMIT)}...` : start})`;
}
