/**
 * scripts/github-client.ts, the scripts' one GitHub client, against a small server on
 * 127.0.0.1: the headers, the base URL of GitHub Enterprise, errors that name the call
 * (and never the token), and next-page links that lead elsewhere. diff-comment.test.ts and
 * e2e.test.ts use it through their commands.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GITHUB_API_VERSION } from '../lib/logic-app-definition';
import { GitHubApiError, GitHubClient, repoPath } from '../scripts/github-client';

const TOKEN = 'ghp_CL13NT_S3CR3T';

interface Seen {
  readonly method?: string;
  readonly url?: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A server answering each request with `answer(url)`; `null` never answers. */
async function serve(answer: (url: string) => [number, string, Record<string, string>?] | null) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      const a = answer(req.url ?? '');
      if (!a) return;
      res.writeHead(a[0], a[2] ?? {});
      res.end(a[1]);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => {
    server.closeAllConnections();
    return new Promise((done) => server.close(done));
  };
  return { url, seen, close };
}

const client = (apiUrl: string, timeoutMs?: number) =>
  new GitHubClient({ apiUrl, token: TOKEN, tool: 'test', timeoutMs });

/** The error a call throws, with its message checked for the token. */
async function failure(call: Promise<unknown>): Promise<GitHubApiError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitHubApiError);
  expect((error as Error).message).not.toContain('S3CR3T');
  return error as GitHubApiError;
}

test('sends the API version the Logic App sends, JSON, and the token in one header only', async () => {
  const s = await serve(() => [201, '{"id":1}']);
  try {
    const answer = await client(`${s.url}/api/v3`).request('POST', `${repoPath('o w', 'r')}/x`, {
      body: { a: 1 },
    });
    expect(answer).toEqual({ status: 201, json: { id: 1 } });
    const [req] = s.seen;
    // GitHub Enterprise Server's API lives under /api/v3: the path keeps it.
    expect(`${req.method} ${req.url}`).toBe('POST /api/v3/repos/o%20w/r/x');
    expect(req.body).toBe('{"a":1}');
    expect(req.headers).toMatchObject({
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${TOKEN}`,
      'x-github-api-version': GITHUB_API_VERSION,
      'user-agent': 'aml-deploy-pipeline-test',
      'content-type': 'application/json',
    });
    const elsewhere = Object.entries(req.headers).filter(
      ([name, value]) => name !== 'authorization' && String(value).includes('S3CR3T'),
    );
    expect(elsewhere).toEqual([]);
  } finally {
    await s.close();
  }
});

test('errors name the call and why: GitHub message, start of another body, accepted statuses', async () => {
  const s = await serve((url) =>
    url.startsWith('/json')
      ? [401, '{"message":"Bad credentials"}']
      : url.startsWith('/html')
        ? [502, `<html>\n<body>Bad gateway ${'x'.repeat(400)}</body></html>`]
        : [404, '{"message":"Not Found"}'],
  );
  try {
    const gh = client(s.url);
    const refused = await failure(gh.request('GET', '/json?token=1'));
    expect(refused.message).toBe('GitHub API GET /json: HTTP 401 (Bad credentials)');
    expect([refused.status, refused.transient, refused.exitCode]).toEqual([401, false, 1]);
    const proxy = await failure(gh.request('PATCH', '/html'));
    // Line breaks folded, cut after 300 characters.
    const shown = `<html> <body>Bad gateway ${'x'.repeat(400)}`.slice(0, 300);
    expect(proxy.message).toBe(`GitHub API PATCH /html: HTTP 502 (${shown}...)`);
    expect(proxy.transient).toBe(true);
    expect(await gh.request('GET', '/absent', { accept: [404] })).toEqual({
      status: 404,
      json: { message: 'Not Found' },
    });
  } finally {
    await s.close();
  }
});

test('no answer is a transient error naming the call: a refused connection, a timeout', async () => {
  const silent = await serve(() => null);
  const gone = await serve(() => [200, '']);
  await gone.close();
  try {
    const timeout = await failure(client(silent.url, 50).request('GET', '/slow'));
    expect(timeout.message).toBe('GitHub API GET /slow: no answer within 0.05 s');
    const refused = await failure(client(gone.url).request('GET', '/x'));
    expect(refused.message).toBe('GitHub API GET /x: ECONNREFUSED');
    expect([timeout.transient, refused.transient]).toEqual([true, true]);
  } finally {
    await silent.close();
  }
});

test('follows next-page links on its own host only: the token goes nowhere else', async () => {
  const other = await serve(() => [200, '[]']);
  const s = await serve((url) =>
    url.includes('page=2')
      ? [200, '[2]', { Link: `<${other.url}/steal?page=3>; rel="next"` }]
      : [
          200,
          '[1]',
          { Link: `<${s.url}/list?page=2>; rel="next", <${s.url}/list?page=9>; rel="last"` },
        ],
  );
  try {
    const pages: unknown[] = [];
    const error = await failure(
      (async () => {
        for await (const page of client(s.url).pages('/list')) pages.push(page.json);
      })(),
    );
    expect(pages).toEqual([[1], [2]]);
    expect(error.message).toBe(
      `GitHub API gave a link to another host (${other.url}); not followed.`,
    );
    expect(other.seen).toEqual([]);
    // maxPages stops early.
    const first: unknown[] = [];
    for await (const page of client(s.url).pages('/list', 1)) first.push(page.json);
    expect(first).toEqual([[1]]);
  } finally {
    await Promise.all([s.close(), other.close()]);
  }
});
