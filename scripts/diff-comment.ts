/**
 * Turns the output of `cdktf diff <stack>` into one pull request comment per stack and
 * posts it, editing that stack's earlier comment rather than adding another.
 *
 *   node --import tsx scripts/diff-comment.ts --stack aml-deploy-staging --plan plan.txt \
 *     [--failed] [--never-deployed] [--commit <sha>]
 *
 * The comment says at the top, plainly, when resources would be replaced or destroyed
 * (counted from Terraform's `# <address> must be replaced` / `will be destroyed` lines and
 * its `Plan: N to add, N to change, N to destroy.` line); the whole output follows in a
 * collapsed section, cut to fit GitHub's comment limit. `--never-deployed` (scripts/diff-stack.ts
 * found no state blob, and planned against an empty state) says so in the headline and below it.
 *
 * The earlier comment is found by its marker AND its author: only a comment posted by the
 * token's own user is edited (see `isOwnComment`). Anyone who can comment can start a comment
 * with the marker; without the author check the script would write the diff into that person's
 * comment, which its author can then edit to say anything (say, "no changes") where reviewers
 * look for the diff. A marked comment by anyone else is left alone and a new one is created.
 *
 * Environment (set by GitHub Actions, or by the workflow through `env:`):
 *   GITHUB_TOKEN         token with `pull-requests: write`
 *   GITHUB_REPOSITORY    owner/repo
 *   PR_NUMBER            the pull request
 *   GITHUB_API_URL       default https://api.github.com
 *   GITHUB_STEP_SUMMARY  optional: the summary is appended there too
 *   DIFF_COMMENT_AUTHOR  optional: login of GITHUB_TOKEN's user, whose comments are edited;
 *                        default github-actions[bot] (the workflow's own token). Set it when
 *                        GITHUB_TOKEN is a personal access token or a GitHub App's token.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { GitHubClient, repoPath } from './github-client';
import { UserError } from './user-error';

/** GitHub rejects issue comments longer than this many characters. */
export const COMMENT_LIMIT = 65536;

/** The hidden first line that identifies a stack's comment. */
export function commentMarker(stack: string): string {
  return `<!-- aml-deploy-diff:${stack} -->`;
}

export interface PlanSummary {
  /** `failed`: the diff did not finish; `unknown`: no summary line was found. */
  readonly status: 'failed' | 'no-changes' | 'outputs-only' | 'changes' | 'unknown';
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  /** Addresses of resources Terraform would destroy and create again. */
  readonly replaced: readonly string[];
  /** Addresses of resources Terraform would destroy for good. */
  readonly destroyed: readonly string[];
}

// Terminal colours, in case the output was captured without --no-color.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
// A resource heading, possibly after cdktf's stack-name prefix: `stack    # addr must be replaced`.
const HEADING =
  /^\s*(?:\S+\s+)?#\s+(.+?)\s+(will be destroyed|must be replaced|is tainted, so must be replaced|will be replaced, as requested|will be replaced due to changes in replace_triggered_by)\s*$/;
const PLAN_LINE =
  /Plan: (?:\d+ to import, )?(\d+) to add, (\d+) to change, (\d+) to destroy(?:, \d+ to forget)?\./;

/** What a plan would do, read from Terraform's human-readable output. */
export function parsePlan(planText: string, failed = false): PlanSummary {
  const text = planText.replace(ANSI, '');
  const replaced: string[] = [];
  const destroyed: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = HEADING.exec(line);
    if (!m) continue;
    (m[2] === 'will be destroyed' ? destroyed : replaced).push(m[1]);
  }
  const plan = PLAN_LINE.exec(text);
  const [add, change, destroy] = plan ? plan.slice(1, 4).map(Number) : [0, 0, 0];
  let status: PlanSummary['status'];
  if (failed) status = 'failed';
  else if (plan) status = 'changes';
  else if (/No changes\./.test(text)) status = 'no-changes';
  else if (/Changes to Outputs:/.test(text)) status = 'outputs-only';
  else status = 'unknown';
  return { status, add, change, destroy, replaced, destroyed };
}

function resources(n: number): string {
  return n === 1 ? '1 resource' : `${n} resources`;
}

/** The comment's headline: what a reviewer must not miss, first. */
function headline(summary: PlanSummary, stack: string, neverDeployed = false): string {
  const s = `\`${stack}\``;
  if (neverDeployed && summary.status === 'changes') {
    return `### 🆕 ${s}: never deployed; the first deploy creates ${resources(summary.add)}`;
  }
  switch (summary.status) {
    case 'failed':
      return `### ❌ ${s}: the diff failed`;
    case 'no-changes':
      return `### ✅ ${s}: no changes`;
    case 'outputs-only':
      return `### ✅ ${s}: no resource changes (outputs only)`;
    case 'unknown':
      return `### ❓ ${s}: no plan summary found in the output`;
  }
  // Every replacement counts once in "to destroy"; what is left is destroyed for good.
  const replaced = summary.replaced.length;
  const destroyed = Math.max(summary.destroyed.length, summary.destroy - replaced);
  if (destroyed && replaced) {
    return `### 🛑 ${s}: ${resources(destroyed)} would be DESTROYED, ${replaced} REPLACED`;
  }
  if (destroyed) return `### 🛑 ${s}: ${resources(destroyed)} would be DESTROYED`;
  if (replaced) return `### ⚠️ ${s}: ${resources(replaced)} would be REPLACED`;
  return `### 🟢 ${s}: ${summary.add} to add, ${summary.change} to change, nothing replaced or destroyed`;
}

/** Addresses listed by name; more are counted (the output below names them all). */
export const MAX_LISTED = 50;

function addressList(title: string, addresses: readonly string[]): string[] {
  if (!addresses.length) return [];
  const listed = addresses.slice(0, MAX_LISTED).map((a) => `- \`${a}\``);
  const more = addresses.length - listed.length;
  return [`**${title}**`, '', ...listed, ...(more ? [`- … and ${more} more`] : []), ''];
}

/**
 * Removes the value of every SAS `sig=` parameter. The stacks mark the signed trigger URL
 * sensitive, so Terraform prints it as (sensitive value); this is the second defence, for
 * anything that still prints one (azurerm does not mark `callback_url` sensitive).
 */
export function redactSignatures(text: string): string {
  return text.replace(/([?&](?:amp;)?sig=)[^&\s"'`<>\\)]+/gi, '$1<redacted>');
}

/** A code fence longer than any run of backticks inside `text`. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/**
 * The markdown comment for one stack: marker, headline, the replaced and destroyed
 * addresses, Terraform's plan line, and the whole output collapsed (cut to fit).
 */
export function summarizeDiff(
  planText: string,
  stack: string,
  opts: { failed?: boolean; commit?: string; neverDeployed?: boolean } = {},
): string {
  const summary = parsePlan(planText, opts.failed);
  const output = redactSignatures(planText.replace(ANSI, '').trimEnd());
  const plan = PLAN_LINE.exec(output)?.[0];
  const head = [
    commentMarker(stack),
    headline(summary, stack, opts.neverDeployed),
    '',
    ...(opts.neverDeployed ? [neverDeployedNote(stack), ''] : []),
    ...addressList('Destroyed (gone after apply, with their data):', summary.destroyed),
    ...addressList('Replaced (destroyed, then created again):', summary.replaced),
    ...(plan ? [plan, ''] : []),
    ...(opts.commit ? [`Commit ${opts.commit.slice(0, 12)}.`, ''] : []),
  ].join('\n');

  const fence = fenceFor(output);
  const open = `<details><summary>Output of cdktf diff</summary>\n\n${fence}text\n`;
  const close = `\n${fence}\n</details>\n`;
  const room = COMMENT_LIMIT - head.length - open.length - close.length - 1;
  let shown = output;
  if (output.length > room) {
    const note = (n: number) =>
      `\n… ${n} more characters not shown; the whole output is in the job log.`;
    const keep = room - note(output.length).length;
    shown = output.slice(0, keep) + note(output.length - keep);
  }
  return `${head}\n${open}${shown}${close}`;
}

/** What the comment says of an environment without state. */
function neverDeployedNote(stack: string): string {
  return `**Never deployed.** The state storage holds no state for \`${stack}\` yet, so this plan ran against an empty state: merging deploys the environment for the first time, creating what the plan lists.`;
}

/** The user of the workflow's own `GITHUB_TOKEN` (`github.token`), who posts the comments. */
export const DEFAULT_COMMENT_AUTHOR = 'github-actions[bot]';

export interface UpsertOptions {
  /** `GITHUB_API_URL`. @default https://api.github.com */
  readonly apiUrl?: string;
  readonly token: string;
  /** owner/repo */
  readonly repository: string;
  readonly issueNumber: number;
  /** The comment to replace is the token user's one whose body starts with this. */
  readonly marker: string;
  readonly body: string;
  /**
   * Login of the token's user: only its comments are edited. Default `github-actions[bot]`;
   * with a personal access token it is that person's (or machine user's) login.
   */
  readonly author?: string;
}

export interface IssueComment {
  readonly id: number;
  readonly body?: string;
  readonly html_url?: string;
  readonly user?: { readonly login?: string; readonly type?: string } | null;
}

/**
 * Whether `comment` is the stack's earlier comment: it starts with the marker AND was posted
 * by `author`. A login ending in `[bot]` (GitHub Apps, such as github-actions[bot]; people
 * cannot choose such a login) must also be of type `Bot`; any other login must be a `User`.
 * Logins compare case-insensitively, as GitHub treats them.
 */
export function isOwnComment(comment: IssueComment, marker: string, author: string): boolean {
  const user = comment.user;
  if (typeof comment.body !== 'string' || !comment.body.startsWith(marker)) return false;
  if (!user || typeof user.login !== 'string') return false;
  const expectedType = /\[bot\]$/i.test(author) ? 'Bot' : 'User';
  return user.type === expectedType && user.login.toLowerCase() === author.toLowerCase();
}

/**
 * Creates the stack's comment on the pull request, or edits the token user's comment that
 * starts with the marker. Other comments (without the marker, or by anyone else) are never
 * touched.
 */
export async function upsertComment(
  o: UpsertOptions,
): Promise<{ action: 'created' | 'updated'; id: number; url?: string }> {
  const gh = new GitHubClient({ apiUrl: o.apiUrl, token: o.token, tool: 'diff-comment' });
  const [owner = '', repository = ''] = o.repository.split('/');
  const base = `${repoPath(owner, repository)}/issues`;
  const author = o.author ?? DEFAULT_COMMENT_AUTHOR;
  for await (const page of gh.pages(`${base}/${o.issueNumber}/comments?per_page=100`)) {
    const comments = Array.isArray(page.json) ? (page.json as IssueComment[]) : [];
    const mine = comments.find((c) => isOwnComment(c, o.marker, author));
    if (mine) {
      const updated = await gh.request('PATCH', `${base}/comments/${mine.id}`, {
        body: { body: o.body },
      });
      return { action: 'updated', id: mine.id, url: (updated.json as IssueComment)?.html_url };
    }
  }
  const created = await gh.request('POST', `${base}/${o.issueNumber}/comments`, {
    body: { body: o.body },
  });
  const comment = created.json as IssueComment;
  return { action: 'created', id: comment.id, url: comment.html_url };
}

const USAGE =
  'Usage: node --import tsx scripts/diff-comment.ts --stack <stack> --plan <file> [--failed] [--never-deployed] [--commit <sha>]';

export interface Options {
  readonly stack: string;
  readonly plan: string;
  readonly failed: boolean;
  readonly neverDeployed: boolean;
  readonly commit?: string;
}

/** Parses the arguments; throws a UserError (exit 2) naming every problem. */
export function parseArgs(argv: readonly string[]): Options {
  const values: Record<string, string> = {};
  let failed = false;
  let neverDeployed = false;
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--failed') {
      failed = true;
      continue;
    }
    if (arg === '--never-deployed') {
      neverDeployed = true;
      continue;
    }
    const m = /^--(stack|plan|commit)(?:=(.*))?$/.exec(arg);
    if (!m) {
      problems.push(`${JSON.stringify(arg)} is not an option`);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === '') problems.push(`--${m[1]} needs a value`);
    else values[m[1]] = value;
  }
  if (!values.stack && !problems.some((p) => p.startsWith('--stack'))) {
    problems.push('--stack is required');
  }
  if (!values.plan && !problems.some((p) => p.startsWith('--plan'))) {
    problems.push('--plan is required');
  }
  if (values.stack && !/^[A-Za-z0-9_-]{1,100}$/.test(values.stack)) {
    problems.push(`--stack ${JSON.stringify(values.stack)} is not a stack name`);
  }
  if (problems.length) throw new UserError(`${problems.join('; ')}\n${USAGE}`, 2);
  return { stack: values.stack, plan: values.plan, failed, neverDeployed, commit: values.commit };
}

/** Runs the command with the given arguments and environment; returns what it did. */
export async function run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const opts = parseArgs(argv);
  const missing = ['GITHUB_TOKEN', 'GITHUB_REPOSITORY', 'PR_NUMBER'].filter((k) => !env[k]);
  if (missing.length) throw new UserError(`${missing.join(', ')} must be set`);
  const issueNumber = Number(env.PR_NUMBER);
  if (!Number.isInteger(issueNumber) || issueNumber < 1) {
    throw new UserError(`PR_NUMBER ${JSON.stringify(env.PR_NUMBER)} is not a pull request number`);
  }
  let planText: string;
  try {
    planText = readFileSync(opts.plan, 'utf8');
  } catch (e) {
    throw new UserError(
      `${opts.plan} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  const body = summarizeDiff(planText, opts.stack, {
    failed: opts.failed,
    commit: opts.commit,
    neverDeployed: opts.neverDeployed,
  });
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `${body}\n`);
  const result = await upsertComment({
    apiUrl: env.GITHUB_API_URL,
    token: env.GITHUB_TOKEN!,
    repository: env.GITHUB_REPOSITORY!,
    issueNumber,
    marker: commentMarker(opts.stack),
    body,
    author: env.DIFF_COMMENT_AUTHOR || DEFAULT_COMMENT_AUTHOR,
  });
  return `${result.action} comment ${result.id}${result.url ? ` (${result.url})` : ''}: ${headline(parsePlan(planText, opts.failed), opts.stack, opts.neverDeployed)}`;
}

if (require.main === module) {
  run(process.argv.slice(2), process.env).then(
    (message) => process.stdout.write(`${message}\n`),
    (e: unknown) => {
      if (e instanceof UserError) {
        process.stderr.write(`${e.message}\n`);
        process.exitCode = e.exitCode;
        return;
      }
      process.stderr.write(`${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
