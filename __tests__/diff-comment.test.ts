import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  COMMENT_LIMIT,
  DEFAULT_COMMENT_AUTHOR,
  MAX_LISTED,
  commentMarker,
  isOwnComment,
  parseArgs,
  parsePlan,
  redactSignatures,
  run,
  summarizeDiff,
  upsertComment,
} from '../scripts/diff-comment';
import { GITHUB_API_VERSION } from '../lib/logic-app-definition';

const projectRoot = join(__dirname, '..');
const STACK = 'aml-deploy-staging';

/** cdktf diff output: the stack name prefixes a block's first line, the rest is indented. */
function cdktfOutput(body: string): string {
  const prefix = `${STACK}  `;
  const pad = ' '.repeat(prefix.length);
  return [
    `${prefix}Initializing the backend...`,
    `${prefix}Initializing provider plugins...`,
    ...body.split('\n').map((line, i) => (i === 0 ? prefix : pad) + line),
  ].join('\n');
}

const NO_CHANGES = cdktfOutput(
  'No changes. Your infrastructure matches the configuration.\n\nTerraform has compared your real infrastructure against your configuration\nand found no differences, so no changes are needed.',
);

const ADDS_ONLY =
  cdktfOutput(`Terraform used the selected providers to generate the following execution
plan. Resource actions are indicated with the following symbols:
  + create
  ~ update in-place

Terraform will perform the following actions:

  # azurerm_monitor_action_group.alerts will be created
  + resource "azurerm_monitor_action_group" "alerts" {
      + name = "amldeploy-staging-alerts"
      + description = "# not a heading: x will be destroyed"
    }

  # azurerm_logic_app_workflow.dispatch will be updated in-place
  ~ resource "azurerm_logic_app_workflow" "dispatch" {
      ~ tags = {}
    }

Plan: 1 to add, 1 to change, 0 to destroy.`);

const REPLACE = cdktfOutput(`Terraform will perform the following actions:

  # azurerm_key_vault.token_vault must be replaced
-/+ resource "azurerm_key_vault" "token_vault" {
      ~ name = "amldeploy-stagin-abc123" -> "amldeploy-stagin-def456" # forces replacement
    }

  # azurerm_role_assignment.officer is tainted, so must be replaced
-/+ resource "azurerm_role_assignment" "officer" {}

Plan: 2 to add, 0 to change, 2 to destroy.`);

const DESTROY = `\u001b[1m${cdktfOutput(`Terraform will perform the following actions:

  # azurerm_storage_account.dead_letters will be destroyed
  # (because azurerm_storage_account.dead_letters is not in configuration)
  - resource "azurerm_storage_account" "dead_letters" {
      - name = "amldeploystagingdl"
    }

  # azurerm_storage_container.dead_letters will be destroyed
  - resource "azurerm_storage_container" "dead_letters" {}

  # azurerm_role_assignment.writer must be replaced
-/+ resource "azurerm_role_assignment" "writer" {}

Plan: 1 to add, 0 to change, 3 to destroy.`)}\u001b[0m`;

const firstLine = (text: string) => text.split('\n')[1];

describe('signed URLs never reach the comment', () => {
  const signed =
    'https://prod-12.japaneast.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=AbC_dEf-123%2B456';

  test('every sig= value is replaced, whatever quotes or escapes surround it', () => {
    const plan = [
      `      ~ callback_url = "${signed}" -> (known after apply)`,
      `      ~ url = "${signed.replace('&sig=', '&amp;sig=')}"`,
      `  + body = jsonencode({"u": "${signed}\\"})`,
      `Plan: 0 to add, 1 to change, 0 to destroy.`,
    ].join('\n');
    const comment = summarizeDiff(plan, STACK);
    expect(comment).not.toContain('AbC_dEf');
    expect(comment.match(/sig=<redacted>/g)).toHaveLength(3);
    expect(comment).toContain('sv=1.0&sig=<redacted>"');
  });

  test('text without a signature is unchanged', () => {
    expect(redactSignatures('signature design=x sig: y')).toBe('signature design=x sig: y');
  });
});

describe('summarizeDiff', () => {
  test('starts with the hidden marker of its stack', () => {
    expect(summarizeDiff(NO_CHANGES, STACK).split('\n')[0]).toBe(
      '<!-- aml-deploy-diff:aml-deploy-staging -->',
    );
  });

  test('no changes', () => {
    expect(firstLine(summarizeDiff(NO_CHANGES, STACK))).toBe(
      '### ✅ `aml-deploy-staging`: no changes',
    );
  });

  test('adds and in-place updates only: says nothing is replaced or destroyed', () => {
    const comment = summarizeDiff(ADDS_ONLY, STACK);
    expect(firstLine(comment)).toBe(
      '### 🟢 `aml-deploy-staging`: 1 to add, 1 to change, nothing replaced or destroyed',
    );
    expect(comment).toContain('\nPlan: 1 to add, 1 to change, 0 to destroy.\n');
    expect(comment).not.toContain('**Destroyed');
  });

  test('a replacement is named in the headline and listed', () => {
    const comment = summarizeDiff(REPLACE, STACK);
    expect(firstLine(comment)).toBe('### ⚠️ `aml-deploy-staging`: 2 resources would be REPLACED');
    expect(comment).toContain(
      '**Replaced (destroyed, then created again):**\n\n- `azurerm_key_vault.token_vault`\n- `azurerm_role_assignment.officer`\n',
    );
  });

  test('destruction comes first, with the replacements counted apart', () => {
    const comment = summarizeDiff(DESTROY, STACK);
    expect(firstLine(comment)).toBe(
      '### 🛑 `aml-deploy-staging`: 2 resources would be DESTROYED, 1 REPLACED',
    );
    expect(comment).toContain(
      '**Destroyed (gone after apply, with their data):**\n\n- `azurerm_storage_account.dead_letters`\n- `azurerm_storage_container.dead_letters`\n',
    );
    expect(comment).not.toContain('\u001b[');
  });

  test('one destroyed resource is singular', () => {
    const one = DESTROY.replace(/ {2}# azurerm_storage_container[^]*?\{\}\n/, '').replace(
      '3 to destroy',
      '2 to destroy',
    );
    expect(firstLine(summarizeDiff(one, STACK))).toBe(
      '### 🛑 `aml-deploy-staging`: 1 resource would be DESTROYED, 1 REPLACED',
    );
  });

  test('a destroy count without headings still says DESTROYED', () => {
    expect(parsePlan('Plan: 0 to add, 0 to change, 4 to destroy.').destroy).toBe(4);
    expect(firstLine(summarizeDiff('Plan: 0 to add, 0 to change, 4 to destroy.', STACK))).toBe(
      '### 🛑 `aml-deploy-staging`: 4 resources would be DESTROYED',
    );
  });

  test('never deployed: the headline and the line below it say so', () => {
    // Terraform's own output (scripts/diff-stack.ts plans such a stack without cdktf).
    const first = `Terraform will perform the following actions:

  # azurerm_key_vault.token_vault will be created
  + resource "azurerm_key_vault" "token_vault" {}

Plan: 36 to add, 0 to change, 0 to destroy.`;
    const comment = summarizeDiff(first, STACK, { neverDeployed: true });
    expect(comment.split('\n').slice(1, 4)).toEqual([
      '### 🆕 `aml-deploy-staging`: never deployed; the first deploy creates 36 resources',
      '',
      '**Never deployed.** The state storage holds no state for `aml-deploy-staging` yet, so this plan ran against an empty state: merging deploys the environment for the first time, creating what the plan lists.',
    ]);
    expect(comment).toContain('\nPlan: 36 to add, 0 to change, 0 to destroy.\n');
    // A failed plan of such an environment is a failure first, and still says why it is new.
    const failed = summarizeDiff(first, STACK, { neverDeployed: true, failed: true });
    expect(firstLine(failed)).toBe('### ❌ `aml-deploy-staging`: the diff failed');
    expect(failed).toContain('**Never deployed.**');
    // Without the flag, the same plan reads as additions.
    expect(firstLine(summarizeDiff(first, STACK))).toBe(
      '### 🟢 `aml-deploy-staging`: 36 to add, 0 to change, nothing replaced or destroyed',
    );
  });

  test('a failed diff says so, whatever the output', () => {
    expect(firstLine(summarizeDiff(ADDS_ONLY, STACK, { failed: true }))).toBe(
      '### ❌ `aml-deploy-staging`: the diff failed',
    );
  });

  test('output without a plan summary is not reported as "no changes"', () => {
    expect(firstLine(summarizeDiff('Error: building account: could not sign in', STACK))).toBe(
      '### ❓ `aml-deploy-staging`: no plan summary found in the output',
    );
    expect(firstLine(summarizeDiff('Changes to Outputs:\n  + x = "y"', STACK))).toBe(
      '### ✅ `aml-deploy-staging`: no resource changes (outputs only)',
    );
  });

  test('the whole output is collapsed in <details>, fenced beyond its own backticks', () => {
    const comment = summarizeDiff(`${ADDS_ONLY}\n  + script = "\`\`\`\`"`, STACK, {
      commit: '0123456789abcdef0123',
    });
    expect(comment).toContain('<details><summary>Output of cdktf diff</summary>\n\n`````text\n');
    expect(comment).toContain('Initializing the backend...');
    expect(comment.endsWith('\n`````\n</details>\n')).toBe(true);
    expect(comment).toContain('\nCommit 0123456789ab.\n');
  });

  test('long output is cut to fit GitHub comments, saying so', () => {
    const huge = `${REPLACE}\n${'x'.repeat(200_000)}`;
    const comment = summarizeDiff(huge, STACK);
    expect(comment.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(comment.length).toBeGreaterThan(COMMENT_LIMIT - 200);
    expect(firstLine(comment)).toBe('### ⚠️ `aml-deploy-staging`: 2 resources would be REPLACED');
    expect(comment).toMatch(
      /\n… \d+ more characters not shown; the whole output is in the job log\.\n```\n<\/details>\n$/,
    );
    expect(summarizeDiff(REPLACE, STACK)).not.toContain('not shown');
  });

  test('a very long list of addresses is counted rather than listed', () => {
    const many = Array.from(
      { length: MAX_LISTED + 7 },
      (_, i) => `  # azurerm_role_assignment.r${i} will be destroyed`,
    ).join('\n');
    const comment = summarizeDiff(`${many}\nPlan: 0 to add, 0 to change, 57 to destroy.`, STACK);
    expect(comment).toContain(`- \`azurerm_role_assignment.r${MAX_LISTED - 1}\`\n- … and 7 more\n`);
    expect(comment).not.toContain(`- \`azurerm_role_assignment.r${MAX_LISTED}\``);
  });
});

interface Recorded {
  method: string;
  url: string;
  body?: any;
  headers: IncomingMessage['headers'];
}

interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: 'Bot' | 'User' };
}

/** The user behind the workflow's GITHUB_TOKEN, and two others. */
const ACTIONS_BOT = { login: DEFAULT_COMMENT_AUTHOR, type: 'Bot' } as const;
const REVIEWER = { login: 'octo-reviewer', type: 'User' } as const;
const OTHER_BOT = { login: 'dependabot[bot]', type: 'Bot' } as const;

/**
 * A fake GitHub API on 127.0.0.1 holding one pull request's comments. Comments it creates
 * are posted by `tokenUser`, as GitHub attributes them to the token's user.
 */
async function fakeGitHub(comments: FakeComment[], tokenUser: FakeComment['user'] = ACTIONS_BOT) {
  const requests: Recorded[] = [];
  let nextId = 1000;
  let apiUrl = '';
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : undefined;
      requests.push({ method: req.method!, url: req.url!, body, headers: req.headers });
      const url = new URL(req.url!, 'http://localhost');
      const send = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      if (req.headers.authorization !== 'Bearer test-token')
        return send(401, { message: 'Bad credentials' });
      if (req.method === 'GET' && url.pathname === '/repos/contoso/mlops-infra/issues/7/comments') {
        // GitHub's pagination: page 1 unless asked, 30 a page unless asked, and a Link header
        // to the next page while there is one.
        const page = Number(url.searchParams.get('page') ?? '1');
        const per = Number(url.searchParams.get('per_page') ?? '30');
        const next = new URL(url.toString());
        next.searchParams.set('page', String(page + 1));
        const link: Record<string, string> =
          page * per < comments.length
            ? { Link: `<${apiUrl}${next.pathname}${next.search}>; rel="next"` }
            : {};
        return send(200, comments.slice((page - 1) * per, page * per), link);
      }
      if (
        req.method === 'POST' &&
        url.pathname === '/repos/contoso/mlops-infra/issues/7/comments'
      ) {
        const created = { id: nextId++, body: body.body, user: tokenUser };
        comments.push(created);
        return send(201, { ...created, html_url: `https://github.test/c/${created.id}` });
      }
      const patch = /^\/repos\/contoso\/mlops-infra\/issues\/comments\/(\d+)$/.exec(url.pathname);
      if (req.method === 'PATCH' && patch) {
        const comment = comments.find((c) => c.id === Number(patch[1]));
        if (!comment) return send(404, { message: 'Not Found' });
        comment.body = body.body;
        return send(200, { ...comment, html_url: `https://github.test/c/${comment.id}` });
      }
      send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { apiUrl, requests, comments, close: () => new Promise((r) => server.close(r)) };
}

const marker = commentMarker(STACK);
const others = (): FakeComment[] => [
  { id: 1, body: 'Looks good to me', user: REVIEWER },
  { id: 2, body: `${commentMarker('aml-deploy-production')}\nproduction diff`, user: ACTIONS_BOT },
  { id: 3, body: `> ${marker}\nquoting the diff is not the diff`, user: REVIEWER },
];

describe('upsertComment', () => {
  test('creates the comment when the stack has none, touching no other', async () => {
    const gh = await fakeGitHub(others());
    try {
      const result = await upsertComment({
        apiUrl: gh.apiUrl,
        token: 'test-token',
        repository: 'contoso/mlops-infra',
        issueNumber: 7,
        marker,
        body: `${marker}\nnew`,
      });
      expect(result).toEqual({
        action: 'created',
        id: 1000,
        url: 'https://github.test/c/1000',
      });
      expect(gh.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
        'GET /repos/contoso/mlops-infra/issues/7/comments?per_page=100',
        'POST /repos/contoso/mlops-infra/issues/7/comments',
      ]);
      expect(gh.comments.slice(0, 3)).toEqual(others());
      const post = gh.requests[1];
      expect(post.body).toEqual({ body: `${marker}\nnew` });
      // The API version the Logic App's dispatch sends too: one constant for both.
      expect(post.headers).toMatchObject({
        accept: 'application/vnd.github+json',
        authorization: 'Bearer test-token',
        'x-github-api-version': GITHUB_API_VERSION,
        'user-agent': 'aml-deploy-pipeline-diff-comment',
        'content-type': 'application/json',
      });
    } finally {
      await gh.close();
    }
  });

  test('edits the marked comment in place, found on a later page', async () => {
    const filler = Array.from({ length: 100 }, (_, i) => ({
      id: 10 + i,
      body: `chatter ${i}`,
      user: REVIEWER,
    }));
    const gh = await fakeGitHub([
      ...others(),
      ...filler,
      { id: 500, body: `${marker}\nold`, user: ACTIONS_BOT },
    ]);
    try {
      const result = await upsertComment({
        apiUrl: `${gh.apiUrl}/`,
        token: 'test-token',
        repository: 'contoso/mlops-infra',
        issueNumber: 7,
        marker,
        body: `${marker}\nnew`,
      });
      expect(result).toEqual({ action: 'updated', id: 500, url: 'https://github.test/c/500' });
      // The second page is the one the first page's Link header names.
      expect(gh.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
        'GET /repos/contoso/mlops-infra/issues/7/comments?per_page=100',
        'GET /repos/contoso/mlops-infra/issues/7/comments?per_page=100&page=2',
        'PATCH /repos/contoso/mlops-infra/issues/comments/500',
      ]);
      expect(gh.comments.find((c) => c.id === 500)!.body).toBe(`${marker}\nnew`);
      expect(gh.comments.slice(0, 3)).toEqual(others());
      expect(gh.comments).toHaveLength(104);
    } finally {
      await gh.close();
    }
  });

  test("a marked comment by anyone else is left alone, and the stack's own is created", async () => {
    // Anyone can start a comment with the marker; only the token user's comment is the stack's.
    const decoys: FakeComment[] = [
      { id: 4, body: `${marker}\n### ✅ no changes (trust me)`, user: REVIEWER },
      { id: 5, body: `${marker}\nanother bot`, user: OTHER_BOT },
      // Someone whose login looks like the bot's but is a user account is not the bot either.
      {
        id: 6,
        body: `${marker}\nlook-alike`,
        user: { login: DEFAULT_COMMENT_AUTHOR, type: 'User' },
      },
    ];
    const gh = await fakeGitHub([...others(), ...decoys]);
    try {
      const result = await upsertComment({
        apiUrl: gh.apiUrl,
        token: 'test-token',
        repository: 'contoso/mlops-infra',
        issueNumber: 7,
        marker,
        body: `${marker}\nnew`,
      });
      expect(result.action).toBe('created');
      expect(gh.requests.map((r) => r.method)).toEqual(['GET', 'POST']);
      expect(gh.comments.slice(0, 6)).toEqual([...others(), ...decoys]);
      expect(gh.comments[6]).toEqual({ id: 1000, body: `${marker}\nnew`, user: ACTIONS_BOT });
    } finally {
      await gh.close();
    }
  });

  test("the token user's comment is edited even after someone else's marked one", async () => {
    const gh = await fakeGitHub([
      { id: 4, body: `${marker}\ndecoy`, user: REVIEWER },
      { id: 8, body: `${marker}\nold`, user: ACTIONS_BOT },
    ]);
    try {
      const result = await upsertComment({
        apiUrl: gh.apiUrl,
        token: 'test-token',
        repository: 'contoso/mlops-infra',
        issueNumber: 7,
        marker,
        body: `${marker}\nnew`,
      });
      expect(result).toEqual({ action: 'updated', id: 8, url: 'https://github.test/c/8' });
      expect(gh.comments.map((c) => c.body)).toEqual([`${marker}\ndecoy`, `${marker}\nnew`]);
    } finally {
      await gh.close();
    }
  });

  test('with a personal access token, the author is that user (a parameter)', async () => {
    const machineUser = { login: 'Contoso-Deployer', type: 'User' } as const;
    const gh = await fakeGitHub(
      [
        { id: 8, body: `${marker}\nby the actions bot`, user: ACTIONS_BOT },
        { id: 9, body: `${marker}\nold`, user: machineUser },
      ],
      machineUser,
    );
    try {
      const result = await upsertComment({
        apiUrl: gh.apiUrl,
        token: 'test-token',
        repository: 'contoso/mlops-infra',
        issueNumber: 7,
        marker,
        body: `${marker}\nnew`,
        author: 'contoso-deployer',
      });
      expect(result).toMatchObject({ action: 'updated', id: 9 });
      expect(gh.comments[0].body).toBe(`${marker}\nby the actions bot`);
    } finally {
      await gh.close();
    }
  });

  test('isOwnComment: marker and author both, the type following the login', () => {
    const body = `${marker}\ndiff`;
    expect(isOwnComment({ id: 1, body, user: ACTIONS_BOT }, marker, DEFAULT_COMMENT_AUTHOR)).toBe(
      true,
    );
    expect(isOwnComment({ id: 1, body, user: REVIEWER }, marker, DEFAULT_COMMENT_AUTHOR)).toBe(
      false,
    );
    expect(isOwnComment({ id: 1, body, user: null }, marker, DEFAULT_COMMENT_AUTHOR)).toBe(false);
    expect(isOwnComment({ id: 1, body }, marker, DEFAULT_COMMENT_AUTHOR)).toBe(false);
    expect(
      isOwnComment({ id: 1, body: 'x', user: ACTIONS_BOT }, marker, DEFAULT_COMMENT_AUTHOR),
    ).toBe(false);
    expect(isOwnComment({ id: 1, body, user: REVIEWER }, marker, 'Octo-Reviewer')).toBe(true);
    expect(
      isOwnComment(
        { id: 1, body, user: { login: 'octo-reviewer', type: 'Bot' } },
        marker,
        'octo-reviewer',
      ),
    ).toBe(false);
  });

  test("GitHub's refusal is an error naming the call and status", async () => {
    const gh = await fakeGitHub([]);
    try {
      await expect(
        upsertComment({
          apiUrl: gh.apiUrl,
          token: 'wrong',
          repository: 'contoso/mlops-infra',
          issueNumber: 7,
          marker,
          body: 'x',
        }),
      ).rejects.toThrow(
        'GitHub API GET /repos/contoso/mlops-infra/issues/7/comments: HTTP 401 (Bad credentials)',
      );
    } finally {
      await gh.close();
    }
  });
});

describe('command line', () => {
  test('arguments: every problem at once, exit code 2', () => {
    expect(() => parseArgs(['--stak', 'x', '--plan'])).toThrow(
      '"--stak" is not an option; "x" is not an option; --plan needs a value; --stack is required\nUsage:',
    );
    let caught: unknown;
    try {
      parseArgs([]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/^--stack is required; --plan is required\n/),
    });
    expect(parseArgs(['--stack=aml-deploy-staging', '--plan', 'p.txt', '--failed'])).toEqual({
      stack: 'aml-deploy-staging',
      plan: 'p.txt',
      failed: true,
      neverDeployed: false,
      commit: undefined,
    });
    expect(parseArgs(['--stack', 'aml-deploy-staging', '--plan', 'p', '--never-deployed'])).toEqual(
      expect.objectContaining({ neverDeployed: true, failed: false }),
    );
    expect(() => parseArgs(['--stack', 'a b', '--plan', 'p'])).toThrow(
      '--stack "a b" is not a stack name',
    );
  });

  test('posts the summary of a plan file and appends it to the step summary', async () => {
    const gh = await fakeGitHub(others());
    const dir = mkdtempSync(join(tmpdir(), 'diff-comment-'));
    writeFileSync(join(dir, 'plan.txt'), REPLACE);
    writeFileSync(join(dir, 'summary.md'), '');
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--import',
          'tsx',
          'scripts/diff-comment.ts',
          '--stack',
          STACK,
          '--plan',
          join(dir, 'plan.txt'),
        ],
        {
          cwd: projectRoot,
          env: {
            PATH: process.env.PATH,
            GITHUB_API_URL: gh.apiUrl,
            GITHUB_TOKEN: 'test-token',
            GITHUB_REPOSITORY: 'contoso/mlops-infra',
            PR_NUMBER: '7',
            GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
          },
        },
      );
      expect(stdout).toBe(
        'created comment 1000 (https://github.test/c/1000): ### ⚠️ `aml-deploy-staging`: 2 resources would be REPLACED\n',
      );
      expect(gh.comments[3].body).toBe(summarizeDiff(REPLACE, STACK));
      expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toBe(
        `${summarizeDiff(REPLACE, STACK)}\n`,
      );
    } finally {
      await gh.close();
    }
  });

  test('DIFF_COMMENT_AUTHOR names the token user whose comment is edited', async () => {
    const machineUser = { login: 'contoso-deployer', type: 'User' } as const;
    const gh = await fakeGitHub(
      [
        { id: 4, body: `${marker}\ndecoy`, user: REVIEWER },
        { id: 9, body: `${marker}\nold`, user: machineUser },
      ],
      machineUser,
    );
    const dir = mkdtempSync(join(tmpdir(), 'diff-comment-'));
    writeFileSync(join(dir, 'plan.txt'), NO_CHANGES);
    try {
      const message = await run(['--stack', STACK, '--plan', join(dir, 'plan.txt')], {
        GITHUB_API_URL: gh.apiUrl,
        GITHUB_TOKEN: 'test-token',
        GITHUB_REPOSITORY: 'contoso/mlops-infra',
        PR_NUMBER: '7',
        DIFF_COMMENT_AUTHOR: 'contoso-deployer',
      });
      expect(message).toMatch(/^updated comment 9 /);
      expect(gh.comments[0].body).toBe(`${marker}\ndecoy`);
      expect(gh.comments[1].body).toBe(summarizeDiff(NO_CHANGES, STACK));
    } finally {
      await gh.close();
    }
  });

  test('missing environment is named, exit code 1', async () => {
    await expect(
      promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'scripts/diff-comment.ts', '--stack', STACK, '--plan', 'nope.txt'],
        { cwd: projectRoot, env: { PATH: process.env.PATH } },
      ),
    ).rejects.toMatchObject({
      code: 1,
      stderr: 'GITHUB_TOKEN, GITHUB_REPOSITORY, PR_NUMBER must be set\n',
    });
  });
});
